// io::output_file, what the neurons did: spikes (appended by every rank during the run), population
// rates, and state traces (appended per recorder).
#include "synorm/io/output_file.hpp"

#include <algorithm>
#include <cmath>
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

// The groups and extendible datasets of the rates, empty; their `mean` comes at the end.
void output_file::impl::create_rates(const model::model_spec& spec, double bin_ms,
                                     const std::vector<engine::group_rate>& groups) {
    const double run_bins = bin_ms > 0 ? std::ceil(spec.simulation.duration / bin_ms) : 1.0;
    const hsize_t dims[1] = {0}, chunk[1] = {static_cast<hsize_t>(std::clamp(run_bins, 1.0, double(rate_chunk)))};
    const h5::handle access = small_chunk_cache(rate_cache, "/rates");
    collective([&] {
        h5::handle group = open_or_create_group(file.get(), "rates", "/rates");
        h5::write_attribute(group.get(), "bin", bin_ms, where("/rates"));
        for (const auto& pop : spec.populations) {
            check_name(pop.name, "population");
            const std::string object = "/rates/" + pop.name;
            rates.push_back(
                {object, create_dataset(group.get(), pop.name, H5T_IEEE_F64LE, 1, dims, chunk, object, access.get())});
            h5::write_attribute(rates.back().dataset.get(), "bin", bin_ms, where(object));
            h5::write_attribute(rates.back().dataset.get(), "units", "Hz", where(object));
        }
    });
    if (!groups.empty()) {
        collective([&] {
            h5::handle group = open_or_create_group(file.get(), "rates_by_group", "/rates_by_group");
            h5::write_attribute(group.get(), "bin", bin_ms, where("/rates_by_group"));
            std::vector<std::string> order;
            for (const auto& g : groups) order.push_back(g.name);
            h5::write_attribute(group.get(), "order", order, where("/rates_by_group"));
            for (const auto& g : groups) {
                check_name(g.name, "group");
                const std::string object = "/rates_by_group/" + g.name;
                const std::string here = where(object);
                std::vector<std::string> names;
                for (const std::uint32_t p : g.populations) names.push_back(spec.populations.at(p).name);
                rates.push_back({object, create_dataset(group.get(), g.name, H5T_IEEE_F64LE, 1, dims, chunk, object,
                                                        access.get())});
                const hid_t dataset = rates.back().dataset.get();
                h5::write_attribute(dataset, "bin", bin_ms, here);
                h5::write_attribute(dataset, "units", "Hz", here);
                h5::write_attribute(dataset, "neurons", g.neurons, here);
                h5::write_attribute(dataset, "populations", names, here);
            }
        });
    }
    rate_size = 0;
}

void output_file::append_rates(const model::model_spec& spec, double bin_ms, const engine::rate_batch& batch) {
    auto& s = *impl_;
    s.require_open("append_rates");
    if (batch.rates.size() != spec.populations.size())
        throw io_error(s.where("/rates") + ": rates given for " + std::to_string(batch.rates.size()) +
                       " populations, the model has " + std::to_string(spec.populations.size()));
    if (s.rate_size < 0) s.create_rates(spec, bin_ms, batch.groups);
    if (batch.first != s.rate_size || s.rates.size() != batch.rates.size() + batch.groups.size())
        throw io_error(s.where("/rates") + ": rate bins from " + std::to_string(batch.first) + " of " +
                       std::to_string(batch.rates.size() + batch.groups.size()) + " series appended to " +
                       std::to_string(s.rate_size) + " bins of " + std::to_string(s.rates.size()));
    const std::uint64_t bins = batch.rates.empty() ? 0 : batch.rates.front().size();
    if (bins == 0) return;
    for (std::size_t k = 0; k < s.rates.size(); ++k) {
        const std::vector<double>& rate =
            k < batch.rates.size() ? batch.rates[k] : batch.groups[k - batch.rates.size()].rate;
        if (rate.size() != bins)
            throw io_error(s.where(s.rates[k].object) + ": " + std::to_string(rate.size()) + " bins of " +
                           std::to_string(bins));
        s.append_segment(s.rates[k].dataset.get(), s.rates[k].object, rate.data(), s.rank == 0 ? bins : 0,
                         static_cast<std::uint64_t>(s.rate_size), 0, bins);
    }
    s.rate_size += static_cast<std::int64_t>(bins);
}

void output_file::finish_rates(const model::model_spec& spec, double bin_ms, const std::vector<double>& mean,
                               const std::vector<engine::group_rate>& groups) {
    auto& s = *impl_;
    s.require_open("finish_rates");
    if (!mean.empty() && mean.size() != spec.populations.size())
        throw io_error(s.where("/rates") + ": mean rates given for " + std::to_string(mean.size()) +
                       " populations, the model has " + std::to_string(spec.populations.size()));
    if (s.rate_size < 0) s.create_rates(spec, bin_ms, groups);
    s.collective([&] {
        for (std::size_t p = 0; p < mean.size(); ++p)
            h5::write_attribute(s.rates[p].dataset.get(), "mean", mean[p], s.where(s.rates[p].object));
        for (std::size_t g = 0; g < groups.size() && spec.populations.size() + g < s.rates.size(); ++g) {
            const auto& sink = s.rates[spec.populations.size() + g];
            h5::write_attribute(sink.dataset.get(), "mean", groups[g].mean, s.where(sink.object));
        }
    });
}

std::vector<double> output_file::read_rates(std::uint32_t population, std::int64_t first, std::int64_t count) {
    auto& s = *impl_;
    s.require_open("read_rates");
    std::vector<double> values;
    s.collective([&] {
        if (population >= s.rates.size() || first < 0 || count < 0 || first + count > s.rate_size)
            throw io_error(s.where("/rates") + ": bins [" + std::to_string(first) + ", " +
                           std::to_string(first + count) + ") of population " + std::to_string(population) + " read, " +
                           std::to_string(std::max<std::int64_t>(s.rate_size, 0)) + " written");
        if (count == 0) return;
        const auto& sink = s.rates[population];
        const std::string here = s.where(sink.object);
        values.resize(static_cast<std::size_t>(count));
        h5::handle file_space(h5::check_id(H5Dget_space(sink.dataset.get()), here, "reading the dataspace"));
        const hsize_t start[1] = {static_cast<hsize_t>(first)}, counts[1] = {static_cast<hsize_t>(count)};
        h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, counts, nullptr), here,
                  "selecting the bins");
        h5::handle memory_space(
            h5::check_id(H5Screate_simple(1, counts, nullptr), here, "creating the memory dataspace"));
        h5::check(H5Dread(sink.dataset.get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(), s.dxpl(),
                          values.data()),
                  here, "reading the bins");
    });
    return values;
}

std::int64_t output_file::rate_bins() const { return impl_->rate_size; }

void output_file::write_rates(const model::model_spec& spec, double bin_ms,
                              const std::vector<std::vector<double>>& rates, const std::vector<double>& mean,
                              const std::vector<engine::group_rate>& groups) {
    auto& s = *impl_;
    s.require_open("write_rates");
    if (!mean.empty() && mean.size() != spec.populations.size())
        throw io_error(s.where("/rates") + ": mean rates given for " + std::to_string(mean.size()) +
                       " populations, the model has " + std::to_string(spec.populations.size()));
    engine::rate_batch batch;
    batch.first = std::max<std::int64_t>(s.rate_size, 0);
    batch.rates = rates;
    batch.groups = groups;
    append_rates(spec, bin_ms, batch);
    finish_rates(spec, bin_ms, mean, groups);
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
