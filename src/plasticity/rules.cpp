#include "synorm/plasticity/rules.hpp"

#include <stdexcept>

namespace synorm::plasticity {

projection_rule projection_rule::make(const model::plasticity_spec& p, double dt) {
    projection_rule r;
    r.w_min = static_cast<float>(p.w_min);
    r.w_max = static_cast<float>(p.w_max);
    r.A_plus = static_cast<float>(p.A_plus);
    r.A_minus = static_cast<float>(p.A_minus);
    r.nearest = p.pairing == model::spike_pairing::nearest;
    r.tau_plus_steps = p.tau_plus / dt;
    r.tau_minus_steps = p.tau_minus / dt;
    if (p.rule == model::stdp_rule::none) return r;
    r.plus_decay = decay_table(r.tau_plus_steps);
    r.minus_decay = decay_table(r.tau_minus_steps);
    const std::size_t k = static_cast<std::size_t>(p.rule) - 1;
    if (k < registered_rules::size)
        registered_rules::visit(k, [&]<class R>(std::type_identity<R>) {
            r.id = static_cast<std::uint8_t>(k);
            r.name = R::name;
            r.metaplastic = R::metaplastic;
            r.slow_traces = R::slow_traces;
            r.own.template emplace<registered_rules::index_of<R>()>(R::make(p, dt, r, r));
        });
    if (r.id == none) throw std::invalid_argument("no registered learning rule for this plasticity_spec's rule");
    return r;
}

void projection_rule::scale_rates(const projection_rule& configured, float f) {
    A_plus = configured.A_plus * f;
    A_minus = configured.A_minus * f;
    if (!plastic()) return;
    registered_rules::visit(id, [&]<class R>(std::type_identity<R>) {
        own.template emplace<registered_rules::index_of<R>()>(R::scaled(configured.params_of<R>(), f));
    });
}

}  // namespace synorm::plasticity
