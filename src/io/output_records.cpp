// io::output_file, the tables a run writes at its end, identical on every rank and written by rank 0:
// the phases of the schedule, the stimulus patterns and the pruning points.
#include "synorm/io/output_file.hpp"

#include <cmath>

#include "output_writer.hpp"

namespace synorm::io {
using namespace detail;

void output_file::write_phases(const model::model_spec& spec, const std::vector<engine::phase_record>& phases,
                               const engine::phase_trace& weight) {
    auto& s = *impl_;
    s.require_open("write_phases");
    if (phases.empty()) return;  // the same on every rank
    static const char* const kinds[] = {"wake", "nrem", "rem", "custom"};
    std::vector<std::string> names, kind;
    const auto field = [&](auto member) {
        std::vector<double> v;
        for (const auto& row : phases) v.push_back(static_cast<double>(row.*member));
        return v;
    };
    for (const auto& row : phases) {
        names.push_back(row.name);
        kind.push_back(kinds[row.kind < 4 ? row.kind : 3]);
    }
    h5::handle group;
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "phases", "/phases");
        h5::write_attribute(group.get(), "name", names, s.where("/phases"));
        h5::write_attribute(group.get(), "kind", kind, s.where("/phases"));
    });
    using row_t = engine::phase_record;
    s.write_column(group.get(), "cycle", "/phases/cycle", field(&row_t::cycle), "1");
    s.write_column(group.get(), "skipped", "/phases/skipped", field(&row_t::skipped), "1");
    s.write_column(group.get(), "start", "/phases/start", field(&row_t::start), "ms");
    s.write_column(group.get(), "end", "/phases/end", field(&row_t::end), "ms");
    s.write_column(group.get(), "weight_start", "/phases/weight_start", field(&row_t::weight_start), "weight unit");
    s.write_column(group.get(), "weight_end", "/phases/weight_end", field(&row_t::weight_end), "weight unit");
    s.write_column(group.get(), "set_point", "/phases/set_point", field(&row_t::set_point), "weight unit");
    s.write_column(group.get(), "renormalization", "/phases/renormalization", field(&row_t::renormalization), "1");
    if (spec.schedule.renormalization.mode == model::renormalization_spec::selectivity::selective)
        s.write_column(group.get(), "weight_spared", "/phases/weight_spared", field(&row_t::weight_spared),
                       "weight unit");
    s.write_column(group.get(), "pruned", "/phases/pruned", field(&row_t::pruned), "1");
    s.write_column(group.get(), "wall", "/phases/wall", field(&row_t::wall), "s");
    if (!weight.times.empty()) {
        s.write_column(group.get(), "time", "/phases/time", weight.times, "ms");
        s.write_column(group.get(), "weight", "/phases/weight", weight.weight, "weight unit");
        s.write_column(group.get(), "gain", "/phases/gain", weight.gain, "1");
    }
    // /phases/weight_by_group/<group>: W_g per homeostasis period (its set point, when taken, as an
    // attribute), and under scope group /phases/gain_by_group/<group>: G_g. Groups in the order attribute.
    const hid_t phases_id = group.get();
    const std::size_t G = weight.groups.size(), samples = weight.times.size();
    for (const char* name : {"weight_by_group", "gain_by_group"}) {
        const bool gain = name[0] == 'g';
        const auto& values = gain ? weight.group_gain : weight.group_weight;
        if (G == 0 || samples == 0 || values.size() != samples * G) continue;  // no gains outside scope group
        const std::string object = std::string("/phases/") + name;
        h5::handle by;
        s.collective([&] {
            by = s.open_or_create_group(phases_id, name, object);
            h5::write_attribute(by.get(), "order", weight.groups, s.where(object));
        });
        for (std::size_t g = 0; g < G; ++g) {
            check_name(weight.groups[g], "group");
            std::vector<double> column(samples);
            for (std::size_t k = 0; k < samples; ++k) column[k] = values[k * G + g];
            const std::string at = object + "/" + weight.groups[g];
            s.write_column(by.get(), weight.groups[g], at, column, gain ? "1" : "weight unit");
            if (!gain && g < weight.group_set_point.size() && weight.group_set_point[g] >= 0.0)
                s.collective([&] {
                    h5::handle d(h5::check_id(H5Dopen2(by.get(), weight.groups[g].c_str(), H5P_DEFAULT), s.where(at),
                                              "opening"));
                    h5::write_attribute(d.get(), "set_point", weight.group_set_point[g], s.where(at));
                });
        }
    }
    for (std::size_t p = 0; p < spec.populations.size(); ++p) {
        const std::string& name = spec.populations[p].name;
        check_name(name, "population");
        const std::string object = "/phases/" + name;
        h5::handle pop;
        s.collective([&] { pop = s.open_or_create_group(group.get(), name, object); });
        std::vector<double> rate, swa;
        for (const auto& row : phases) {
            rate.push_back(row.rate[p]);
            swa.push_back(row.swa[p]);
        }
        s.write_column(pop.get(), "rate", object + "/rate", rate, "Hz");
        s.write_column(pop.get(), "swa", object + "/swa", swa, "Hz^2");
    }
    for (std::size_t j = 0; j < spec.projections.size(); ++j) {
        if (spec.projections[j].plasticity.rule == model::stdp_rule::none) continue;
        const std::string& name = spec.projections[j].name;
        check_name(name, "projection");
        const std::string object = "/phases/" + name;
        h5::handle proj;
        s.collective([&] { proj = s.open_or_create_group(group.get(), name, object); });
        std::vector<double> start, end;
        for (const auto& row : phases) {
            start.push_back(j < row.projection_start.size() ? row.projection_start[j] : NAN);
            end.push_back(j < row.projection_end.size() ? row.projection_end[j] : NAN);
        }
        s.write_column(proj.get(), "weight_start", object + "/weight_start", start, "weight unit");
        s.write_column(proj.get(), "weight_end", object + "/weight_end", end, "weight unit");
    }
}

void output_file::write_patterns(const model::model_spec& spec, const std::vector<engine::pattern_record>& patterns) {
    auto& s = *impl_;
    s.require_open("write_patterns");
    if (patterns.empty()) return;  // the same on every rank
    h5::handle group;
    std::vector<std::string> names;
    for (std::size_t k = 0; k < patterns.size() && k < spec.patterns.size(); ++k)
        names.push_back(spec.patterns[k].name);
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "patterns", "/patterns");
        h5::write_attribute(group.get(), "names", names, s.where("/patterns"));
    });
    for (std::size_t k = 0; k < patterns.size() && k < spec.patterns.size(); ++k) {
        const auto& p = spec.patterns[k];
        const auto& r = patterns[k];
        check_name(p.name, "pattern");
        const std::string object = "/patterns/" + p.name;
        const std::uint64_t cued = p.probe_times.empty() ? 0 : p.cue_size();
        const auto group_size = static_cast<double>(p.group.size()),
                   rest = static_cast<double>(spec.populations[p.population].size) - group_size;
        const double window_s = p.window * 1e-3;
        std::vector<double> uncued_rate, cued_rate, rest_rate;
        std::vector<std::int64_t> uncued_spikes, cued_spikes, rest_spikes;
        for (std::size_t m = 0; m < r.probe_times.size(); ++m) {
            const std::int64_t* c = r.probe_spikes.data() + 3 * m;
            rest_spikes.push_back(c[0]);
            uncued_spikes.push_back(c[1]);
            cued_spikes.push_back(c[2]);
            rest_rate.push_back(rest > 0 ? static_cast<double>(c[0]) / rest / window_s : NAN);
            uncued_rate.push_back(static_cast<double>(c[1]) / (group_size - static_cast<double>(cued)) / window_s);
            cued_rate.push_back(static_cast<double>(c[2]) / static_cast<double>(cued) / window_s);
        }
        std::vector<std::uint64_t> cue_ids(p.group.begin(), p.group.begin() + static_cast<std::ptrdiff_t>(cued));
        s.collective([&] {
            h5::handle pg = s.open_or_create_group(group.get(), p.name, object);
            h5::write_attribute(pg.get(), "population", spec.populations[p.population].name, s.where(object));
            h5::write_attribute(pg.get(), "duration", p.duration, s.where(object));
            h5::write_attribute(pg.get(), "window", p.window, s.where(object));
            s.write_from_rank0(pg.get(), "node_ids", object + "/node_ids", p.group);
            s.write_from_rank0(pg.get(), "cue_ids", object + "/cue_ids", cue_ids);
            s.write_from_rank0(pg.get(), "onsets", object + "/onsets", r.onsets, "ms");
            s.write_from_rank0(pg.get(), "probe_time", object + "/probe_time", r.probe_times, "ms");
            s.write_from_rank0(pg.get(), "uncued_rate", object + "/uncued_rate", uncued_rate, "Hz");
            s.write_from_rank0(pg.get(), "cued_rate", object + "/cued_rate", cued_rate, "Hz");
            s.write_from_rank0(pg.get(), "rest_rate", object + "/rest_rate", rest_rate, "Hz");
            s.write_from_rank0(pg.get(), "uncued_spikes", object + "/uncued_spikes", uncued_spikes, "1");
            s.write_from_rank0(pg.get(), "cued_spikes", object + "/cued_spikes", cued_spikes, "1");
            s.write_from_rank0(pg.get(), "rest_spikes", object + "/rest_spikes", rest_spikes, "1");
            s.write_from_rank0(pg.get(), "weight_time", object + "/weight_time", r.weight_times, "ms");
            const std::size_t J = r.projections.size();
            std::vector<std::string> measured;
            for (const auto j : r.projections) measured.push_back(spec.projections[j].name);
            h5::write_attribute(pg.get(), "projections", measured, s.where(object));
            for (std::size_t q = 0; q < J; ++q) {
                const std::string& name = spec.projections[r.projections[q]].name;
                check_name(name, "projection");
                h5::handle proj = s.open_or_create_group(pg.get(), name, object + "/" + name);
                std::vector<double> in, out;
                for (std::size_t t = 0; t < r.weight_times.size(); ++t) {
                    in.push_back(r.w_group[t * J + q]);
                    out.push_back(r.w_rest[t * J + q]);
                }
                s.write_from_rank0(proj.get(), "w_group", object + "/" + name + "/w_group", in, "weight unit");
                s.write_from_rank0(proj.get(), "w_rest", object + "/" + name + "/w_rest", out, "weight unit");
            }
        });
    }
}

void output_file::write_pruning(const model::model_spec& spec, const std::vector<engine::pruning_record>& records) {
    auto& s = *impl_;
    s.require_open("write_pruning");
    if (records.empty()) return;  // the same on every rank
    h5::handle group;
    std::vector<std::string> names;
    for (const auto& proj : spec.projections)
        if (proj.pruning.enabled) names.push_back(proj.name);
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "pruning", "/pruning");
        h5::write_attribute(group.get(), "projections", names, s.where("/pruning"));
    });
    for (std::uint32_t j = 0; j < spec.projections.size(); ++j) {
        const auto& proj = spec.projections[j];
        if (!proj.pruning.enabled) continue;
        check_name(proj.name, "projection");
        const std::string object = "/pruning/" + proj.name;
        std::vector<double> time;
        std::vector<std::uint64_t> below, tagged, removed, synapses, bytes_before, bytes_after;
        for (const auto& r : records) {
            if (r.projection != j) continue;
            time.push_back(r.time);
            below.push_back(r.below);
            tagged.push_back(r.tagged);
            removed.push_back(r.removed);
            synapses.push_back(r.synapses);
            bytes_before.push_back(r.bytes_before);
            bytes_after.push_back(r.bytes_after);
        }
        s.collective([&] {
            h5::handle g = s.open_or_create_group(group.get(), proj.name, object);
            h5::write_attribute(g.get(), "threshold", proj.pruning.threshold, s.where(object));
            h5::write_attribute(g.get(), "tagging_time", proj.pruning.tagging_time, s.where(object));
            h5::write_attribute(g.get(), "depleted", proj.pruning.depleted ? 1.0 : 0.0, s.where(object));
            s.write_from_rank0(g.get(), "time", object + "/time", time);
            s.write_from_rank0(g.get(), "below", object + "/below", below);
            s.write_from_rank0(g.get(), "tagged", object + "/tagged", tagged);
            s.write_from_rank0(g.get(), "removed", object + "/removed", removed);
            s.write_from_rank0(g.get(), "synapses", object + "/synapses", synapses);
            s.write_from_rank0(g.get(), "bytes_before", object + "/bytes_before", bytes_before);
            s.write_from_rank0(g.get(), "bytes_after", object + "/bytes_after", bytes_after);
        });
    }
}

}  // namespace synorm::io
