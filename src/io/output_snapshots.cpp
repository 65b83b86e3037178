// io::output_file, the network's state at one time, each rank writing its segment: weight snapshots
// and the membrane potentials at the end of the run.
#include "synorm/io/output_file.hpp"

#include <span>

#include "output_writer.hpp"

namespace synorm::io {
using namespace detail;

void output_file::write_weights(const model::model_spec& spec, const engine::weight_snapshot& snapshot, int index,
                                const std::string& group_name) {
    auto& s = *impl_;
    s.require_open("write_weights");
    if (snapshot.projection >= spec.projections.size())
        throw io_error(s.where("/" + group_name) + ": weight snapshot of projection index " +
                       std::to_string(snapshot.projection) + " but the model has " +
                       std::to_string(spec.projections.size()) + " projections");
    if (index < 0) throw io_error(s.where("/" + group_name) + ": negative snapshot index " + std::to_string(index));
    const std::string& name = spec.projections[snapshot.projection].name;
    const std::string object = "/" + group_name + "/" + name + "/" + std::to_string(index);
    s.collective([&] {
        if (snapshot.sources.size() != snapshot.weights.size() || snapshot.targets.size() != snapshot.weights.size())
            throw io_error(s.where(object) + ": weight snapshot has " + std::to_string(snapshot.sources.size()) +
                           " sources, " + std::to_string(snapshot.targets.size()) + " targets and " +
                           std::to_string(snapshot.weights.size()) + " weights");
    });
    std::int64_t total = static_cast<std::int64_t>(snapshot.weights.size());
    s.comm.sum(std::span<std::int64_t>(&total, 1));
    const std::uint64_t offset = s.comm.exclusive_prefix_sum(snapshot.weights.size());

    h5::handle group;
    s.collective([&] {
        check_name(name, "projection");
        h5::handle weights = s.open_or_create_group(s.file.get(), group_name, "/" + group_name);
        h5::handle projection = s.open_or_create_group(weights.get(), name, "/" + group_name + "/" + name);
        group = s.create_group(projection.get(), std::to_string(index), object);
        h5::write_attribute(group.get(), "time", snapshot.time, s.where(object));
    });
    const auto n = static_cast<std::uint64_t>(total);
    s.write_segments(group.get(), "source", object + "/source", snapshot.sources, offset, n);
    s.write_segments(group.get(), "target", object + "/target", snapshot.targets, offset, n);
    s.write_segments(group.get(), "weight", object + "/weight", snapshot.weights, offset, n);
}

void output_file::write_final_state(const model::model_spec& spec, const engine::final_state& state) {
    auto& s = *impl_;
    s.require_open("write_final_state");
    if (state.population >= spec.populations.size())
        throw io_error(s.where("/final_state") + ": final state of population index " +
                       std::to_string(state.population) + " but the model has " +
                       std::to_string(spec.populations.size()) + " populations");
    const auto& population = spec.populations[state.population];
    const std::string object = "/final_state/" + population.name;
    std::vector<std::uint64_t> node_ids;
    s.collective([&] {
        if (state.gids.size() != state.V_m.size())
            throw io_error(s.where(object) + ": final state has " + std::to_string(state.gids.size()) + " gids but " +
                           std::to_string(state.V_m.size()) + " values");
        const std::uint64_t first = gid_bounds(spec)[state.population];
        node_ids.reserve(state.gids.size());
        for (std::uint64_t gid : state.gids) {
            if (gid < first || gid - first >= population.size)
                throw io_error(s.where(object) + ": gid " + std::to_string(gid) + " is not in population '" +
                               population.name + "'");
            node_ids.push_back(gid - first);
        }
    });
    std::int64_t total = static_cast<std::int64_t>(node_ids.size());
    s.comm.sum(std::span<std::int64_t>(&total, 1));
    const std::uint64_t offset = s.comm.exclusive_prefix_sum(node_ids.size());

    h5::handle group;
    s.collective([&] {
        check_name(population.name, "population");
        h5::handle parent = s.open_or_create_group(s.file.get(), "final_state", "/final_state");
        group = s.create_group(parent.get(), population.name, object);
    });
    const auto n = static_cast<std::uint64_t>(total);
    s.write_segments(group.get(), "node_ids", object + "/node_ids", node_ids, offset, n);
    s.write_segments(group.get(), "V_m", object + "/V_m", state.V_m, offset, n, "mV");
}

}  // namespace synorm::io
