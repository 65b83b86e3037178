// What `synorm run` reports when it ends: the provenance record written to the output file, the
// summary printed on rank 0, and a dry run's report (README "Dry run").
#pragma once

#include <cstdint>
#include <string>

#include "synorm/comm/communicator.hpp"
#include "synorm/comm/dry_run_communicator.hpp"
#include "synorm/engine/simulation.hpp"
#include "synorm/io/output_file.hpp"
#include "synorm/model/model_spec.hpp"

namespace synorm::app {

// Collective: the run's provenance, with the per-rank figures gathered from every rank. A dry run's
// `comm` is the serial communicator, so its per-rank arrays hold its own rank's figures.
io::provenance make_provenance(comm::communicator& comm, const comm::dry_run_communicator* dry,
                               const model::model_spec& spec, const engine::simulation& sim, const engine::results& res,
                               int threads, std::uint64_t synapses, std::uint64_t checksum,
                               const std::string& start_time, double process_start);

// The end-of-run summary (rank 0): rates, the exchange, the synapses and checksum per rank, the load.
std::string summary(const model::model_spec& spec, const engine::results& res, const io::provenance& p,
                    const std::string& output);

// What a dry run measured and modelled, per interval where a count is one.
std::string dry_run_report(const engine::results& res, const io::provenance& p, int threads);

// Seconds on a steady clock (for durations), and the wall-clock time as "YYYY-MM-DDTHH:MM:SSZ".
double now_seconds();
std::string utc_now();

}  // namespace synorm::app
