// io::output_file, what the neurons did: spikes (appended by every rank during the run), population
// rates, and state traces (appended per recorder).
#include "synorm/io/output_file.hpp"

#include <algorithm>
#include <span>

#include "output_writer.hpp"

namespace synorm::io {
using namespace detail;

std::vector<std::int64_t> output_file::spike_counts(const model::model_spec& spec) const {
    std::vector<std::int64_t> counts(spec.populations.size(), -1);
    for (const auto& sink : impl_->spikes) counts[sink.population] = static_cast<std::int64_t>(sink.size);
    return counts;
}

void output_file::append_spikes(const model::model_spec& spec, const engine::spike_batch& batch) {
    auto& s = *impl_;
    s.require_open("append_spikes");
    s.ensure_layout(spec);

    // Local: split this rank's spikes by recorded population (order within each is kept).
    std::vector<std::vector<std::uint64_t>> node_ids(s.spikes.size());
    std::vector<std::vector<double>> timestamps(s.spikes.size());
    s.collective([&] {
        if (batch.gids.size() != batch.steps.size())
            throw io_error(s.where("/spikes") + ": spike batch has " + std::to_string(batch.gids.size()) +
                           " gids but " + std::to_string(batch.steps.size()) + " steps");
        const auto bounds = gid_bounds(spec);
        const double dt = spec.simulation.dt;
        for (std::size_t i = 0; i < batch.gids.size(); ++i) {
            const std::uint64_t gid = batch.gids[i];
            if (gid >= bounds.back())
                throw io_error(s.where("/spikes") + ": spike of gid " + std::to_string(gid) + " but the network has " +
                               std::to_string(bounds.back()) + " neurons");
            const auto p =
                static_cast<std::size_t>(std::upper_bound(bounds.begin(), bounds.end(), gid) - bounds.begin() - 1);
            const int slot = s.spike_slot[p];
            if (slot < 0) continue;
            node_ids[slot].push_back(gid - bounds[p]);
            timestamps[slot].push_back(static_cast<double>(batch.steps[i]) * dt);  // ms
        }
    });

    std::vector<std::int64_t> totals(s.spikes.size());
    for (std::size_t k = 0; k < totals.size(); ++k) totals[k] = static_cast<std::int64_t>(node_ids[k].size());
    s.comm.sum(std::span<std::int64_t>(totals));
    for (std::size_t k = 0; k < s.spikes.size(); ++k) {
        const std::uint64_t offset = s.comm.exclusive_prefix_sum(node_ids[k].size());
        if (totals[k] == 0) continue;  // the same on every rank
        auto& sink = s.spikes[k];
        const auto total = static_cast<std::uint64_t>(totals[k]);
        s.append_segment(sink.node_ids.get(), sink.object + "/node_ids", node_ids[k].data(), node_ids[k].size(),
                         sink.size, offset, total);
        s.append_segment(sink.timestamps.get(), sink.object + "/timestamps", timestamps[k].data(), timestamps[k].size(),
                         sink.size, offset, total);
        sink.size += total;
    }
}

void output_file::write_rates(const model::model_spec& spec, double bin_ms,
                              const std::vector<std::vector<double>>& rates, const std::vector<double>& mean,
                              const std::vector<engine::group_rate>& groups) {
    auto& s = *impl_;
    s.require_open("write_rates");
    if (rates.size() != spec.populations.size())
        throw io_error(s.where("/rates") + ": rates given for " + std::to_string(rates.size()) +
                       " populations, the model has " + std::to_string(spec.populations.size()));
    if (!mean.empty() && mean.size() != spec.populations.size())
        throw io_error(s.where("/rates") + ": mean rates given for " + std::to_string(mean.size()) +
                       " populations, the model has " + std::to_string(spec.populations.size()));
    h5::handle group;
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "rates", "/rates");
        h5::write_attribute(group.get(), "bin", bin_ms, s.where("/rates"));
    });
    for (std::size_t p = 0; p < rates.size(); ++p) {
        s.collective([&] {
            const std::string& name = spec.populations[p].name;
            check_name(name, "population");
            const std::string object = "/rates/" + name;
            const hsize_t dims[1] = {rates[p].size()};
            h5::handle dataset = s.create_dataset(group.get(), name, H5T_IEEE_F64LE, 1, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "bin", bin_ms, s.where(object));
            h5::write_attribute(dataset.get(), "units", "Hz", s.where(object));
            if (!mean.empty()) h5::write_attribute(dataset.get(), "mean", mean[p], s.where(object));
            if (!rates[p].empty())
                s.write_1d(dataset.get(), object, H5T_NATIVE_DOUBLE, rates[p].data(), s.rank == 0 ? rates[p].size() : 0,
                           0);
        });
    }
    if (groups.empty()) return;
    s.collective([&] {
        group = s.open_or_create_group(s.file.get(), "rates_by_group", "/rates_by_group");
        h5::write_attribute(group.get(), "bin", bin_ms, s.where("/rates_by_group"));
        std::vector<std::string> order;
        for (const auto& g : groups) order.push_back(g.name);
        h5::write_attribute(group.get(), "order", order, s.where("/rates_by_group"));
    });
    for (const auto& g : groups) {
        s.collective([&] {
            check_name(g.name, "group");
            const std::string object = "/rates_by_group/" + g.name;
            const std::string here = s.where(object);
            std::vector<std::string> names;
            for (const std::uint32_t p : g.populations) names.push_back(spec.populations.at(p).name);
            const hsize_t dims[1] = {g.rate.size()};
            h5::handle dataset = s.create_dataset(group.get(), g.name, H5T_IEEE_F64LE, 1, dims, nullptr, object);
            h5::write_attribute(dataset.get(), "bin", bin_ms, here);
            h5::write_attribute(dataset.get(), "units", "Hz", here);
            h5::write_attribute(dataset.get(), "mean", g.mean, here);
            h5::write_attribute(dataset.get(), "neurons", g.neurons, here);
            h5::write_attribute(dataset.get(), "populations", names, here);
            if (!g.rate.empty())
                s.write_1d(dataset.get(), object, H5T_NATIVE_DOUBLE, g.rate.data(), s.rank == 0 ? g.rate.size() : 0, 0);
        });
    }
}

void output_file::write_state(const model::model_spec& spec, const engine::state_trace& trace) {
    auto& s = *impl_;
    s.require_open("write_state");
    s.ensure_layout(spec);

    // Local: this rank's columns (positions of its neurons among the recorder's ids, ascending, as
    // runs of consecutive columns) and one [samples × neurons] buffer per variable.
    std::vector<std::pair<hsize_t, hsize_t>> runs;  // (first column, length)
    std::vector<std::vector<float>> buffers;
    const std::uint64_t samples = trace.times.size();
    s.collective([&] {
        if (trace.recorder >= s.recordings.size())
            throw io_error(s.where("/recordings") + ": state trace of recorder " + std::to_string(trace.recorder) +
                           " but the model has " + std::to_string(s.recordings.size()) + " recorders");
        const auto& recorder = spec.recording.state[trace.recorder];
        const auto& sink = s.recordings[trace.recorder];
        const std::uint64_t first = gid_bounds(spec)[recorder.population];
        const std::size_t neurons = trace.gids.size(), variables = recorder.variables.size();
        if (trace.values.size() != samples * variables * neurons)
            throw io_error(s.where(sink.object) + ": state trace has " + std::to_string(trace.values.size()) +
                           " values, expected samples × variables × neurons = " + std::to_string(samples) + " × " +
                           std::to_string(variables) + " × " + std::to_string(neurons));
        hsize_t previous = 0;
        for (std::size_t j = 0; j < neurons; ++j) {
            const std::uint64_t gid = trace.gids[j];
            const auto at = std::lower_bound(sink.ids.begin(), sink.ids.end(), gid - first);
            if (gid < first || at == sink.ids.end() || *at != gid - first)
                throw io_error(s.where(sink.object) + ": gid " + std::to_string(gid) + " is not recorded by '" +
                               recorder.name + "'");
            const auto column = static_cast<hsize_t>(at - sink.ids.begin());
            if (j > 0 && column <= previous)
                throw io_error(s.where(sink.object) + ": state trace gids are not ascending");
            if (!runs.empty() && column == previous + 1) ++runs.back().second;
            else
                runs.emplace_back(column, 1);
            previous = column;
        }
        buffers.assign(variables, std::vector<float>(samples * neurons));
        for (std::uint64_t t = 0; t < samples; ++t)
            for (std::size_t v = 0; v < variables; ++v)
                std::copy_n(trace.values.begin() + static_cast<std::ptrdiff_t>((t * variables + v) * neurons), neurons,
                            buffers[v].begin() + static_cast<std::ptrdiff_t>(t * neurons));
    });

    auto& sink = s.recordings[trace.recorder];
    if (s.comm.min(static_cast<std::int64_t>(samples)) != s.comm.max(static_cast<std::int64_t>(samples)))
        throw io_error(s.where(sink.object) + ": ranks hold different numbers of samples for one write_state call");
    if (samples == 0) return;

    // Sample times are the same on every rank: rank 0 writes them.
    s.append_segment(sink.times.get(), sink.object + "/times", trace.times.data(), s.rank == 0 ? samples : 0, sink.rows,
                     0, samples);
    const std::size_t neurons = trace.gids.size();
    for (std::size_t v = 0; v < sink.variables.size(); ++v) {
        const std::string object = sink.object + "/" + spec.recording.state[trace.recorder].variables[v];
        s.collective([&] {
            const std::string here = s.where(object);
            const hid_t dataset = sink.variables[v].get();
            const hsize_t size[2] = {sink.rows + samples, sink.ids.size()};
            h5::check(H5Dset_extent(dataset, size), here, "extending the dataset");
            h5::handle file_space(h5::check_id(H5Dget_space(dataset), here, "reading the dataspace"));
            const hsize_t memory_dims[2] = {samples, std::max<std::size_t>(neurons, 1)};
            h5::handle memory_space(
                h5::check_id(H5Screate_simple(2, memory_dims, nullptr), here, "creating the memory dataspace"));
            if (runs.empty()) {
                h5::check(H5Sselect_none(file_space.get()), here, "selecting nothing");
                h5::check(H5Sselect_none(memory_space.get()), here, "selecting nothing");
            }
            for (std::size_t k = 0; k < runs.size(); ++k) {
                const hsize_t start[2] = {sink.rows, runs[k].first}, count[2] = {samples, runs[k].second};
                h5::check(H5Sselect_hyperslab(file_space.get(), k == 0 ? H5S_SELECT_SET : H5S_SELECT_OR, start, nullptr,
                                              count, nullptr),
                          here, "selecting this rank's columns");
            }
            static const float nothing = 0.0f;
            h5::check(H5Dwrite(dataset, H5T_NATIVE_FLOAT, memory_space.get(), file_space.get(), s.dxpl(),
                               runs.empty() ? &nothing : buffers[v].data()),
                      here, "writing the dataset");
        });
    }
    sink.rows += samples;
}

}  // namespace synorm::io
