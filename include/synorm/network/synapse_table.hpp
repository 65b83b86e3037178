// The synapses of one projection that one thread holds: compressed CSR rows, one per presynaptic
// neuron with at least one synapse on the thread (its index in the source population, ascending), each
// row sorted by target, one array per variable (src/README.md decision 3). A static synapse costs 8
// bytes: a 32-bit word packing the target and the delay, and the weight; a row 4 more in a run (its
// offset, none for span rows; its source, 4 B, and then as a gap of 1 to 2 B, only until the engine
// has indexed it), so nothing in a table grows with the source population.
#pragma once

#include <cstdint>
#include <vector>

namespace synorm::network {

// Low 22 bits: thread-local target neuron (up to 4 Mi neurons per thread); high 10 bits: delay in
// steps minus the minimum delay D (so delays up to D + 1023 steps).
inline constexpr int synapse_target_bits = 22;
inline constexpr std::uint32_t synapse_target_mask = (1u << synapse_target_bits) - 1;
inline constexpr std::uint32_t max_delay_offset = (1u << (32 - synapse_target_bits)) - 1;

constexpr std::uint32_t pack_synapse(std::uint32_t target, std::uint32_t delay_offset) {
    return (delay_offset << synapse_target_bits) | target;
}
constexpr std::uint32_t synapse_target(std::uint32_t word) { return word & synapse_target_mask; }
constexpr std::uint32_t synapse_delay_offset(std::uint32_t word) { return word >> synapse_target_bits; }

enum class receptor : std::uint8_t { excitatory = 0, inhibitory = 1 };

// The synapses of a table grouped by target: the transposed index of src/README.md decision 3 (+4 bytes
// per synapse), kept for plastic tables so that potentiation can act when a postsynaptic spike reaches
// its synapses instead of waiting for each synapse's next presynaptic spike. CSR by thread-local
// target; each entry names one synapse by its (compressed) row and its place in the row, packed as
// (row << position_bits) | position. Within a target, entries are sorted by delay, then source, so
// the synapses one postsynaptic spike reaches at one step are one run of entries.
struct incoming_index {
    std::vector<std::uint32_t> begin;  // by thread-local target neuron, size neurons + 1; empty: no index
    std::vector<std::uint32_t> entry;  // by incoming synapse
    std::uint32_t position_bits = 0;
    std::uint32_t min_offset = 0, max_offset = 0;  // the smallest and largest delay − D of the table's synapses

    bool empty() const { return begin.empty(); }
    std::uint64_t row(std::uint32_t e) const { return std::uint64_t{e} >> position_bits; }
    std::uint64_t position(std::uint32_t e) const { return e & ((std::uint64_t{1} << position_bits) - 1); }
    std::uint64_t bytes() const {
        return begin.capacity() * sizeof(std::uint32_t) + entry.capacity() * sizeof(std::uint32_t);
    }
};

struct synapse_table {
    std::uint32_t projection = 0;
    receptor port = receptor::excitatory;
    // by row: its source-population index, ascending. The engine keeps it as source_gaps (below) once
    // the table is built and drops those once the rank's source index holds the same
    // (src/engine/engine_state.hpp, row_sources), so it is empty during a run.
    std::vector<std::uint32_t> sources;
    std::vector<std::uint32_t> row_begin;     // by row, plus the end: its first synapse; size = rows + 1
    std::vector<std::uint32_t> target_delay;  // by synapse: pack_synapse(target, delay − D)
    std::vector<float> weight;                // by synapse; the projection's receptor unit
    // by synapse, pruned projections only (plasticity/pruning.hpp): consecutive homeostasis checks at
    // which the effective weight was below the pruning threshold; empty otherwise
    std::vector<std::uint16_t> tag;
    incoming_index incoming;  // plastic tables only (index_incoming); empty otherwise
    // True when every synapse has the same delay (then delay_offset): delivery computes one
    // ring-buffer slot per row instead of one per synapse.
    bool uniform_delay = true;
    std::uint32_t delay_offset = 0;

    // Span rows (src/README.md decision 3): a static table whose rows are short drops row_begin once
    // the engine has indexed it, and the rank's source index names each row by its span instead of
    // its number: (first synapse << span_bits) | (synapses − 1), a row longer than 2^span_bits
    // synapses as consecutive spans of at most that many (span_bits may be 0: a span per synapse), so
    // what follows takes `row` as that span. `spanned` false: rows by number through row_begin.
    bool spanned = false;
    std::uint32_t span_bits = 0;
    std::uint64_t span_rows = 0;  // rows, once row_begin is dropped
    // by row, only while the engine builds a table that will take span rows: its length (1 to 255),
    // row_begin then dropped, so that the build holds 1 B per row where the offsets took 4
    std::vector<std::uint8_t> row_length;
    // by row, only while the engine builds the rank's source index, sources dropped: its source less
    // the row before's (the first row's, less 0) in LEB128, 7 bits a byte, so that the build holds
    // about 1 to 2 B per row where the sources took 4 (the gaps are small when rows are many, and rows
    // few when they are large)
    std::vector<std::uint8_t> source_gaps;

    bool spans() const { return spanned; }
    std::uint64_t row_first(std::uint64_t row) const { return spanned ? row >> span_bits : row_begin[row]; }
    std::uint64_t row_end(std::uint64_t row) const {
        return spanned ? (row >> span_bits) + (row & ((std::uint64_t{1} << span_bits) - 1)) + 1 : row_begin[row + 1];
    }
    std::uint64_t size() const { return target_delay.size(); }
    std::uint64_t rows() const {
        if (spans()) return span_rows;
        if (!row_length.empty()) return row_length.size();
        return row_begin.empty() ? 0 : row_begin.size() - 1;
    }
    // The row of source-population index `source`, or rows() when the thread holds no synapse from it
    // (while the table keeps its sources).
    std::uint64_t find_row(std::uint64_t source) const;
    std::uint64_t bytes() const {
        return sources.capacity() * sizeof(std::uint32_t) + row_begin.capacity() * sizeof(std::uint32_t) +
               target_delay.capacity() * sizeof(std::uint32_t) + weight.capacity() * sizeof(float) +
               tag.capacity() * sizeof(std::uint16_t) + row_length.capacity() + source_gaps.capacity() +
               incoming.bytes();
    }
};

// One thread's tables, by projection. Only those with synapses are held (and those a caller keeps
// whatever their size: plastic and pruned ones, which the engine extends); any other projection
// costs its 4 B slot and reads as an empty table. With thousands of projections most are empty on a
// thread (under blocks, nearly all), and a table costs 200 B before its first synapse.
class table_list {
public:
    // Projections [0, projections), none held.
    void clear(std::uint32_t projections) {
        slot_.assign(projections, none);
        held_.clear();
    }
    // Sets projection j's table (in ascending j); kept when it has a synapse or `keep`.
    void set(std::uint32_t j, synapse_table&& table, bool keep) {
        if (table.size() == 0 && !keep) return;
        slot_[j] = static_cast<std::uint32_t>(held_.size());
        held_.push_back(std::move(table));
    }
    // Projection j's table; an empty one (shared by the list's absent projections) when none is held.
    const synapse_table& operator[](std::size_t j) const { return slot_[j] == none ? empty_ : held_[slot_[j]]; }
    synapse_table& operator[](std::size_t j) { return slot_[j] == none ? empty_ : held_[slot_[j]]; }
    std::size_t size() const { return slot_.size(); }  // projections
    // The held tables, by ascending projection.
    std::vector<synapse_table>::const_iterator begin() const { return held_.begin(); }
    std::vector<synapse_table>::const_iterator end() const { return held_.end(); }
    std::vector<synapse_table>::iterator begin() { return held_.begin(); }
    std::vector<synapse_table>::iterator end() { return held_.end(); }
    std::size_t held() const { return held_.size(); }
    // Once every projection is set: the held tables at their number (grown by doubling, up to twice).
    void shrink() { held_.shrink_to_fit(); }
    std::uint64_t bytes() const {  // the slots and the held tables' headers; their arrays are in each bytes()
        return slot_.capacity() * sizeof(std::uint32_t) + held_.capacity() * sizeof(synapse_table);
    }

private:
    static constexpr std::uint32_t none = ~0u;
    std::vector<std::uint32_t> slot_;  // by projection: its place in held_, or none
    std::vector<synapse_table> held_;  // by ascending projection
    synapse_table empty_;              // what an absent projection reads as; never written by the engine
};

// The most synapses one table holds: row offsets are 32-bit (std::runtime_error beyond, naming more threads
// or ranks as the remedy).
inline constexpr std::uint64_t max_table_synapses = 0xFFFF'FFFFull;

// Builds table.incoming for a table over `neurons` thread-local targets. Throws std::runtime_error when
// a source and a place in its row do not fit the 32 bits of an entry (rows × longest row ≥ 2^32).
void index_incoming(synapse_table& table, std::uint32_t neurons);

// Removes the synapses whose tag exceeds `checks` (plasticity::is_tagged) and compacts the table in
// place: every row keeps its other synapses in their order, row_begin is rebuilt, the per-synapse
// arrays give their freed memory back, and an incoming index is built anew. Rows that become empty stay
// (so row numbers, and what names them, do not change). Returns the number removed.
std::uint64_t remove_tagged(synapse_table& table, std::uint32_t checks);

// The synapses of one projection as a list independent of any partition (checkpoints): grouped by
// target gid, ascending; within a target by source, and synapses of one (source, target) pair in
// drawing order. A table rebuilt from it by a stable sort on the source has rows whose order per
// target is the drawn one, so every (slot, neuron) receives its additions in the same order as in the
// run that drew them.
struct synapse_list {
    std::vector<std::uint64_t> targets;  // target gids with at least one synapse, ascending
    std::vector<std::uint32_t> counts;   // synapses per listed target
    std::vector<std::uint32_t> sources;  // by synapse: source-population index
    std::vector<std::uint16_t> delays;   // by synapse: steps
    std::vector<float> weights;          // by synapse: receptor unit
    std::vector<std::uint16_t> tags;     // by synapse: pruning tag counts when `tagged`
    bool tagged = false;                 // a pruned projection: tags holds one count per synapse
    std::uint64_t size() const { return sources.size(); }
};

}  // namespace synorm::network
