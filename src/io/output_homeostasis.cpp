// io::output_file, /homeostasis: one sample per homeostasis period from the global reduction,
// identical on every rank, written by rank 0.
#include "synorm/io/output_file.hpp"

#include <cmath>
#include <cstdio>
#include <iterator>

#include "output_writer.hpp"

namespace synorm::io {
using namespace detail;

namespace {

bool conductance_based(model::neuron_kind kind) {
    return kind == model::neuron_kind::lif_cond_exp || kind == model::neuron_kind::lif_cond_exp_adapt;
}

}  // namespace

void output_file::write_homeostasis(const model::model_spec& spec, const engine::homeostasis_trace& trace) {
    auto& s = *impl_;
    s.require_open("write_homeostasis");
    if (trace.times.empty()) return;  // the same on every rank: the trace comes from a global reduction
    h5::handle group;
    // A dataset of any shape that rank 0 writes whole (the other ranks select nothing).
    const auto table = [&](hid_t parent, const std::string& name, const std::string& object,
                           const std::vector<double>& values, int rank, const hsize_t* dims) {
        s.collective([&] {
            h5::handle dataset = s.create_dataset(parent, name, H5T_IEEE_F64LE, rank, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "units", "1", s.where(object));
            h5::handle space(h5::check_id(H5Dget_space(dataset.get()), s.where(object), "reading the dataspace"));
            if (s.rank != 0 || values.empty())
                h5::check(H5Sselect_none(space.get()), s.where(object), "selecting nothing");
            const hid_t memory = s.rank == 0 && !values.empty() ? H5S_ALL : space.get();
            static const double nothing = 0;
            h5::check(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, memory, space.get(), s.dxpl(),
                               values.empty() ? &nothing : values.data()),
                      s.where(object), "writing the dataset");
        });
    };
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "homeostasis", "/homeostasis");
        h5::write_attribute(group.get(), "period", spec.homeostasis.period, s.where("/homeostasis"));
    });
    s.write_column(group.get(), "time", "/homeostasis/time", trace.times, "ms");
    for (std::size_t p = 0; p < spec.populations.size(); ++p) {
        const std::string& name = spec.populations[p].name;
        check_name(name, "population");
        const std::string object = "/homeostasis/" + name;
        h5::handle pop;
        s.collective([&] { pop = s.open_or_create_group(group.get(), name, object); });
        s.write_column(pop.get(), "rate", object + "/rate", trace.rate[p], "Hz");
        s.write_column(pop.get(), "sensed_rate", object + "/sensed_rate", trace.sensed_rate[p], "Hz");
        s.write_column(pop.get(), "gain_ex", object + "/gain_ex", trace.gain_ex[p], "1");
        s.write_column(pop.get(), "gain_in", object + "/gain_in", trace.gain_in[p], "1");
        const auto& b = spec.populations[p].branches;
        if (b.enabled && p < trace.branch_gain_mean.size()) {
            const hsize_t B = b.count, R = b.record.size(), k = trace.times.size();
            const hsize_t by_branch[2] = {k, B}, by_neuron[3] = {k, R, B};
            table(pop.get(), "branch_gain_mean", object + "/branch_gain_mean", trace.branch_gain_mean[p], 2, by_branch);
            table(pop.get(), "branch_gain_std", object + "/branch_gain_std", trace.branch_gain_std[p], 2, by_branch);
            if (R > 0) {
                table(pop.get(), "branch_gain", object + "/branch_gain", trace.branch_gain[p], 3, by_neuron);
                s.collective(
                    [&] { s.write_from_rank0(pop.get(), "branch_gain_ids", object + "/branch_gain_ids", b.record); });
            }
        }
        s.write_column(pop.get(), "gain_ex_std", object + "/gain_ex_std", trace.gain_ex_std[p], "1");
        s.write_column(pop.get(), "gain_in_std", object + "/gain_in_std", trace.gain_in_std[p], "1");
        if (conductance_based(spec.populations[p].model)) {
            s.write_column(pop.get(), "E_in", object + "/E_in", trace.E_in[p], "mV");
            s.write_column(pop.get(), "E_in_std", object + "/E_in_std", trace.E_in_std[p], "mV");
        }
        if (spec.populations[p].metaplasticity.enabled && p < trace.theta.size()) {
            s.write_column(pop.get(), "theta", object + "/theta", trace.theta[p], "Hz^2");
            s.write_column(pop.get(), "theta_std", object + "/theta_std", trace.theta_std[p], "Hz^2");
        }
        if (spec.populations[p].model != model::neuron_kind::poisson_source) {
            const model::neuron_kind kind = spec.populations[p].model;
            const char* per_ms =
                conductance_based(kind)                                                                  ? "nS/ms"
                : kind == model::neuron_kind::lif_curr_exp || kind == model::neuron_kind::lif_curr_alpha ? "pA/ms"
                                                                                                         : "mV/ms";
            s.write_column(pop.get(), "input_ex", object + "/input_ex", trace.input_ex[p], per_ms);
            s.write_column(pop.get(), "input_in", object + "/input_in", trace.input_in[p], per_ms);
            s.write_column(pop.get(), "ei_ratio", object + "/ei_ratio", trace.ei_ratio[p], "1");
        }
    }
    // Chosen neurons: [sample, neuron] matrices, written whole by rank 0.
    const auto matrix = [&](hid_t parent, const std::string& name, const std::string& object,
                            const std::vector<float>& values, std::size_t columns, const char* units) {
        s.collective([&] {
            const hsize_t dims[2] = {trace.times.size(), columns};
            h5::handle dataset = s.create_dataset(parent, name, H5T_IEEE_F32LE, 2, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "units", units, s.where(object));
            h5::handle file_space(h5::check_id(H5Dget_space(dataset.get()), s.where(object), "reading the dataspace"));
            if (s.rank != 0) h5::check(H5Sselect_none(file_space.get()), s.where(object), "selecting nothing");
            h5::handle memory_space(h5::check_id(H5Scopy(file_space.get()), s.where(object), "copying the dataspace"));
            static const float nothing = 0;
            h5::check(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, memory_space.get(), file_space.get(), s.dxpl(),
                               s.rank == 0 && !values.empty() ? values.data() : &nothing),
                      s.where(object), "writing the dataset");
        });
    };
    for (const auto& rec : trace.recorded) {
        const std::string& name = spec.populations[rec.population].name;
        const std::string object = "/homeostasis/" + name + "/neurons";
        h5::handle group_n;
        s.collective([&] {
            h5::handle pop(
                h5::check_id(H5Gopen2(group.get(), name.c_str(), H5P_DEFAULT), s.where(object), "opening the group"));
            group_n = s.open_or_create_group(pop.get(), "neurons", object);
            const hsize_t dims[1] = {rec.ids.size()};
            h5::handle ids =
                s.create_dataset(group_n.get(), "node_ids", H5T_STD_U64LE, 1, dims, nullptr, object + "/node_ids");
            s.write_1d(ids.get(), object + "/node_ids", H5T_NATIVE_UINT64, rec.ids.data(),
                       s.rank == 0 ? rec.ids.size() : 0, 0);
        });
        matrix(group_n.get(), "gain_ex", object + "/gain_ex", rec.gain_ex, rec.ids.size(), "1");
        matrix(group_n.get(), "gain_in", object + "/gain_in", rec.gain_in, rec.ids.size(), "1");
        if (conductance_based(spec.populations[rec.population].model))
            matrix(group_n.get(), "E_in", object + "/E_in", rec.E_in, rec.ids.size(), "mV");
        if (spec.populations[rec.population].metaplasticity.enabled)
            matrix(group_n.get(), "theta", object + "/theta", rec.theta, rec.ids.size(), "Hz^2");
    }
    for (std::size_t j = 0; j < spec.projections.size(); ++j) {
        if (j >= trace.plastic.size() || !trace.plastic[j]) continue;
        const std::string& name = spec.projections[j].name;
        check_name(name, "projection");
        const std::string object = "/homeostasis/" + name;
        h5::handle proj;
        s.collective([&] { proj = s.open_or_create_group(group.get(), name, object); });
        s.write_column(proj.get(), "w_mean", object + "/w_mean", trace.w_mean[j], "weight unit");
        s.write_column(proj.get(), "w_std", object + "/w_std", trace.w_std[j], "weight unit");
        s.write_column(proj.get(), "w_at_min", object + "/w_at_min", trace.w_at_min[j], "1");
        s.write_column(proj.get(), "w_at_max", object + "/w_at_max", trace.w_at_max[j], "1");
        constexpr std::size_t levels = std::size(engine::homeostasis_trace::quantile_levels);
        for (std::size_t l = 0; l < levels; ++l) {
            std::vector<double> q;
            for (std::size_t k = l; k < trace.w_quantiles[j].size(); k += levels) q.push_back(trace.w_quantiles[j][k]);
            char key[16];
            std::snprintf(key, sizeof key, "w_q%02d",
                          static_cast<int>(std::lround(engine::homeostasis_trace::quantile_levels[l] * 100)));
            s.write_column(proj.get(), key, object + "/" + key, q, "weight unit");
        }
    }
}

}  // namespace synorm::io
