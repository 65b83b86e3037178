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

void dry_run_communicator::prepare(const model::model_spec& spec, const std::vector<double>& rates,
                                   const std::vector<std::vector<double>>& traces, double bin_ms) {
    seed_ = spec.simulation.seed;
    D_ = static_cast<std::int64_t>(spec.min_delay_steps());
    total_steps_ = model::to_steps(spec.simulation.duration, spec.simulation.dt);
    halves_ = model::overlaps(spec.comm, D_, ranks_);
    latency_s_ = spec.dry_run.latency * 1e-3;
    bandwidth_ = spec.dry_run.bandwidth * 1e9;
    part_ = std::make_unique<network::partition>(spec, rank_, ranks_, 1);
    rank_cluster_ = network::rank_clusters(spec, ranks_);
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
    trace_per_step_.assign(n, {});
    bin_steps_ = 0;
    if (bin_ms > 0 && !traces.empty()) {
        if (traces.size() != n) throw std::invalid_argument("dry run: one rate trace per population expected");
        bin_steps_ = std::max<std::int64_t>(1, model::to_steps(bin_ms, spec.simulation.dt));
        for (std::uint32_t p = 0; p < n; ++p) {
            const std::uint64_t local = slices[p].end - slices[p].begin;
            for (const double hz : traces[p])
                trace_per_step_[p].push_back(static_cast<double>(size_[p] - local) * std::max(0.0, hz) *
                                             spec.simulation.dt * 1e-3);
        }
    }
}

bool dry_run_communicator::remote(std::uint64_t gid) const {
    if (!part_) throw std::logic_error("dry run: remote() before prepare()");
    return part_->owner_rank(gid) != rank_;
}

void dry_run_communicator::replay(std::vector<std::pair<std::int64_t, std::uint64_t>> spikes, std::int64_t end_step) {
    replayed_ = std::move(spikes);
    replay_end_ = end_step;
}

void dry_run_communicator::model_remote(std::int64_t t0, std::int64_t t1, std::int64_t origin,
                                        std::vector<std::uint64_t>& out, bool only_needed) const {
    std::int64_t first_modelled = t0;
    if (t0 < replay_end_) {
        auto at = std::lower_bound(replayed_.begin(), replayed_.end(), std::pair<std::int64_t, std::uint64_t>{t0, 0});
        for (; at != replayed_.end() && at->first < t1; ++at) {
            if (only_needed && !std::binary_search(needed_.begin(), needed_.end(), at->second)) continue;
            out.push_back(pack_spike(at->second, static_cast<std::uint64_t>(at->first - origin)));
        }
        first_modelled = std::min(t1, replay_end_);
    }
    for (std::int64_t step = first_modelled; step < t1; ++step) {
        const auto bin = bin_steps_ ? static_cast<std::size_t>(step / bin_steps_) : 0;
        for (std::uint32_t p = 0; p < mean_per_step_.size(); ++p) {
            const auto& trace = trace_per_step_[p];
            const double mean = bin < trace.size() ? trace[bin] : mean_per_step_[p];
            if (!(mean > 0)) continue;
            model::random_stream rng(seed_, model::stream_kind::dry_run_remote, p, static_cast<std::uint64_t>(step));
            std::poisson_distribution<std::int64_t> count(mean);
            for (std::int64_t k = count(rng); k > 0; --k) {
                std::uint64_t gid;
                do  // uniform among the remote neurons: at least half of the population when P ≥ 2
                    gid = first_gid_[p] + rng.below(size_[p]);
                while (part_->owner_rank(gid) == rank_);
                if (only_needed && !std::binary_search(needed_.begin(), needed_.end(), gid)) continue;
                out.push_back(pack_spike(gid, static_cast<std::uint64_t>(step - origin)));
            }
        }
    }
}

namespace {
// The words for rank r of words grouped by destination rank, counts[r] of them.
std::span<const std::uint64_t> group(std::span<const std::uint64_t> words, std::span<const std::uint64_t> counts,
                                     std::size_t r) {
    std::uint64_t at = 0;
    for (std::size_t q = 0; q < r; ++q) at += counts[q];
    return words.subspan(at, counts[r]);
}

// run_control's words are the three largest words there are (engine/run_control.hpp).
std::uint64_t spikes_among(std::span<const std::uint64_t> words) {
    return static_cast<std::uint64_t>(
        std::count_if(words.begin(), words.end(), [](std::uint64_t w) { return w < ~std::uint64_t{0} - 2; }));
}
}  // namespace

std::uint64_t dry_run_communicator::next_interval(std::vector<std::uint64_t>& out, bool only_needed) {
    if (!part_) throw std::logic_error("dry run: exchange before prepare()");
    const std::int64_t t0 = next_t0_, t1 = std::min(t0 + D_, total_steps_), middle = std::min(t0 + D_ / 2, t1);
    const std::int64_t from = halves_ && second_ ? middle : t0, to = halves_ && !second_ ? middle : t1;
    const std::size_t before = out.size();
    model_remote(from, to, t0, out, only_needed);
    if (halves_ && !second_) {
        second_ = true;
        return out.size() - before;
    }
    second_ = false;
    next_t0_ += D_;
    counts_.intervals += 1;
    return out.size() - before;
}

void dry_run_communicator::exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) {
    global.assign(local.begin(), local.end());
    if (split_) {  // over all ranks, under comm.structure: the stretch since the last one
        const std::size_t before = global.size();
        model_remote(outer_origin_, next_t0_, outer_origin_, global, false);
        const std::uint64_t remote = global.size() - before, others = static_cast<std::uint64_t>(ranks_ - 1);
        outer_origin_ = next_t0_;
        counts_.remote_spikes += remote;
        counts_.messages += rounds_;
        counts_.bytes_sent += 8 * (local.size() + 1) * others;
        counts_.bytes_received += 8 * (remote + others);
        return;
    }
    const std::uint64_t remote = next_interval(global, false), others = static_cast<std::uint64_t>(ranks_ - 1);
    counts_.local_spikes += spikes_among(local);
    counts_.remote_spikes += remote;
    counts_.messages += rounds_;
    counts_.bytes_sent += 8 * (local.size() + 1) * others;
    counts_.bytes_received += 8 * (remote + others);
}

namespace {

// The cluster of a dry run's rank (comm.structure): its exchange is the parent's exchange_cluster.
class dry_run_cluster final : public solitary_collectives {
public:
    dry_run_cluster(dry_run_communicator& parent, int rank, int size) : parent_(parent), rank_(rank), size_(size) {}
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    void exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) override {
        parent_.exchange_cluster(local, global);
    }
    [[noreturn]] void abort(int exit_code) override { parent_.abort(exit_code); }

private:
    dry_run_communicator& parent_;
    int rank_, size_;
};

}  // namespace

std::unique_ptr<communicator> dry_run_communicator::split(int color) {
    if (!part_ || rank_cluster_.empty()) return nullptr;
    split_ = true;
    cluster_ = color;
    cluster_ranks_ = static_cast<int>(std::count(rank_cluster_.begin(), rank_cluster_.end(), color));
    cluster_rounds_ = static_cast<std::uint64_t>(std::bit_width(static_cast<std::uint64_t>(cluster_ranks_) - 1));
    const auto first = std::find(rank_cluster_.begin(), rank_cluster_.end(), color) - rank_cluster_.begin();
    return std::make_unique<dry_run_cluster>(*this, rank_ - static_cast<int>(first), cluster_ranks_);
}

// The next interval within the cluster: the model's draws for it, of the cluster's other ranks only.
void dry_run_communicator::exchange_cluster(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) {
    if (!part_) throw std::logic_error("dry run: exchange before prepare()");
    global.assign(local.begin(), local.end());
    const std::size_t before = global.size();
    const std::int64_t t0 = next_t0_, t1 = std::min(t0 + D_, total_steps_);
    model_remote(t0, t1, t0, global, false);
    const auto elsewhere = [&](std::uint64_t word) {
        return rank_cluster_[static_cast<std::size_t>(part_->owner_rank(spike_gid(word)))] != cluster_;
    };
    global.erase(std::remove_if(global.begin() + static_cast<std::ptrdiff_t>(before), global.end(), elsewhere),
                 global.end());
    next_t0_ += D_;
    const std::uint64_t remote = global.size() - before, others = static_cast<std::uint64_t>(cluster_ranks_ - 1);
    counts_.intervals += 1;
    counts_.local_spikes += spikes_among(local);
    counts_.remote_spikes += remote;
    counts_.messages += cluster_rounds_;
    counts_.bytes_sent += 8 * (local.size() + 1) * others;
    counts_.bytes_received += 8 * (remote + others);
}

void dry_run_communicator::exchange_lists(std::span<const std::uint64_t> send,
                                          std::span<const std::uint64_t> send_counts,
                                          std::vector<std::uint64_t>& received,
                                          std::vector<std::uint64_t>& received_counts) {
    const auto me = static_cast<std::size_t>(rank_), P = send_counts.size();
    received_counts.assign(P, 0);
    received.clear();
    // The next rank stands for every other rank: it asks for all of this rank's neurons, so that each
    // own spike reaches exchange_targeted once in its group, to be counted (and never delivered).
    // Before prepare() (a build without a loop) nothing stands for them.
    const std::size_t proxy = part_ ? (me + 1) % P : me;
    const std::vector<std::uint64_t> none;
    const auto& mine = part_ ? part_->thread(0).gids : none;
    for (std::size_t r = 0; r < P; ++r) {
        if (r == me) {
            const auto own = group(send, send_counts, me);
            received.insert(received.end(), own.begin(), own.end());
            received_counts[r] = own.size();
        } else if (r == proxy) {
            std::vector<std::uint64_t> gids(mine.begin(), mine.end());
            std::sort(gids.begin(), gids.end());
            received.insert(received.end(), gids.begin(), gids.end());
            received_counts[r] = gids.size();
        }
    }
    proxy_ = proxy;
    needed_.assign(send.begin(), send.end());
    std::sort(needed_.begin(), needed_.end());
    std::uint64_t total = 0;
    for (const auto n : size_) total += n;
    destinations_ =
        total ? static_cast<double>(P) * static_cast<double>(needed_.size()) / static_cast<double>(total) : 0.0;
    destinations_ = std::min(destinations_, static_cast<double>(P - 1));
}

void dry_run_communicator::exchange_targeted(std::span<const std::uint64_t> send,
                                             std::span<const std::uint64_t> send_counts,
                                             std::vector<std::uint64_t>& received) {
    const auto me = static_cast<std::size_t>(rank_);
    const auto own = group(send, send_counts, me);
    received.assign(own.begin(), own.end());
    const std::uint64_t remote = next_interval(received, true), others = static_cast<std::uint64_t>(ranks_ - 1);
    // This rank's spikes: each once in the group of the rank that stands for the others (exchange_lists).
    const std::uint64_t spikes = proxy_ != me ? spikes_among(group(send, send_counts, proxy_)) : 0;
    const double sent = static_cast<double>(spikes) * destinations_;
    counts_.local_spikes += spikes;
    counts_.remote_spikes += remote;
    counts_.messages += rounds_ + std::min(others, remote) + std::min(others, static_cast<std::uint64_t>(sent + 0.5));
    counts_.bytes_sent += 8 * (static_cast<std::uint64_t>(sent + 0.5) + others);
    counts_.bytes_received += 8 * (remote + others);
}

double dry_run_communicator::modelled_exchange_seconds() const {
    return static_cast<double>(counts_.messages) * latency_s_ +
           static_cast<double>(counts_.bytes_received) / bandwidth_;
}

void dry_run_communicator::abort(int exit_code) { std::_Exit(exit_code); }

}  // namespace synorm::comm
