#include "synorm/comm/dry_run_communicator.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "synorm/model/random_stream.hpp"
#include "synorm/model/time_steps.hpp"

namespace synorm::comm {

dry_run_communicator::dry_run_communicator(int rank, int ranks) : rank_(rank), ranks_(ranks) {
    if (ranks < 1 || rank < 0 || rank >= ranks) throw std::invalid_argument("dry run: rank out of range");
    rounds_ = static_cast<std::uint64_t>(std::bit_width(static_cast<std::uint64_t>(ranks) - 1));
}

void dry_run_communicator::prepare(const model::model_spec& spec, const std::vector<double>& rates) {
    seed_ = spec.simulation.seed;
    D_ = static_cast<std::int64_t>(spec.min_delay_steps());
    total_steps_ = model::to_steps(spec.simulation.duration, spec.simulation.dt);
    latency_s_ = spec.dry_run.latency * 1e-3;
    bandwidth_ = spec.dry_run.bandwidth * 1e9;
    part_ = std::make_unique<network::partition>(spec, rank_, ranks_, 1);
    const std::size_t n = spec.populations.size();
    if (rates.size() != n) throw std::invalid_argument("dry run: one rate per population expected");
    first_gid_.resize(n);
    size_.resize(n);
    mean_per_step_.assign(n, 0.0);
    const auto& slices = part_->thread(0).slices;
    for (std::uint32_t p = 0; p < n; ++p) {
        first_gid_[p] = spec.first_gid(p);
        size_[p] = spec.populations[p].size;
        const std::uint64_t local = slices[p].end - slices[p].begin;
        const double rate = rates[p] > 0 ? rates[p] : 0.0;  // NaN (not given): a population nobody listens to
        mean_per_step_[p] = static_cast<double>(size_[p] - local) * rate * spec.simulation.dt * 1e-3;
    }
}

void dry_run_communicator::exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) {
    if (!part_) throw std::logic_error("dry run: exchange before prepare()");
    global.assign(local.begin(), local.end());
    const std::int64_t t0 = next_t0_, t1 = std::min(t0 + D_, total_steps_);
    next_t0_ += D_;
    // run_control's words are the three largest words there are (engine/run_control.hpp).
    const auto own = static_cast<std::uint64_t>(
        std::count_if(local.begin(), local.end(), [](std::uint64_t w) { return w < ~std::uint64_t{0} - 2; }));
    const std::size_t before = global.size();
    for (std::int64_t step = t0; step < t1; ++step) {
        for (std::uint32_t p = 0; p < mean_per_step_.size(); ++p) {
            if (mean_per_step_[p] <= 0) continue;
            model::random_stream rng(seed_, model::stream_kind::dry_run_remote, p, static_cast<std::uint64_t>(step));
            std::poisson_distribution<std::int64_t> count(mean_per_step_[p]);
            for (std::int64_t k = count(rng); k > 0; --k) {
                std::uint64_t gid;
                do  // uniform among the remote neurons: at least half of the population when P ≥ 2
                    gid = first_gid_[p] + rng.below(size_[p]);
                while (part_->owner_rank(gid) == rank_);
                global.push_back(pack_spike(gid, static_cast<std::uint64_t>(step - t0)));
            }
        }
    }
    const std::uint64_t remote = global.size() - before, others = static_cast<std::uint64_t>(ranks_ - 1);
    counts_.intervals += 1;
    counts_.local_spikes += own;
    counts_.remote_spikes += remote;
    counts_.messages += rounds_;
    counts_.bytes_sent += 8 * (local.size() + 1) * others;
    counts_.bytes_received += 8 * (remote + others);
}

double dry_run_communicator::modelled_exchange_seconds() const {
    return static_cast<double>(counts_.messages) * latency_s_ +
           static_cast<double>(counts_.bytes_received) / bandwidth_;
}

void dry_run_communicator::abort(int exit_code) { std::_Exit(exit_code); }

}  // namespace synorm::comm
