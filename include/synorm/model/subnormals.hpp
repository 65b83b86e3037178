// Subnormal floats flushed to zero in the thread that holds a flush_subnormals (x86: MXCSR FTZ and
// DAZ; aarch64: FPCR.FZ, which flushes inputs and results alike; elsewhere nothing changes). Why: the
// conductance of a neuron that no longer receives input decays through the subnormal range (below
// about 1.2e-38), where each operation on it takes a microcode assist of ~100 cycles on x86: a
// network whose activity had died out (config/coba.yaml, seed 2) ran 17 times slower than an active
// one. Flushed, such values are 0; every layout flushes the same values, so results stay bitwise the
// same across decompositions. The mode is a per-thread register that OpenMP's pooled threads keep
// between regions: the engine holds one of these in every thread of every region it runs, and one on
// the calling thread for the whole run, and each restores the mode it found.
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace synorm::model {

class flush_subnormals {
public:
    flush_subnormals() : saved_(read()) { write(saved_ | bits); }
    ~flush_subnormals() { write(saved_); }
    flush_subnormals(const flush_subnormals&) = delete;
    flush_subnormals& operator=(const flush_subnormals&) = delete;
    // Whether this machine has such a mode, and whether this thread has it on now.
    static constexpr bool supported() { return bits != 0; }
    static bool active() { return supported() && (read() & bits) == bits; }

private:
#if defined(__x86_64__) || defined(__i386__)
    using word = unsigned int;
    static constexpr word bits = 0x8040;  // MXCSR: FTZ (bit 15), DAZ (bit 6)
    static word read() { return _mm_getcsr(); }
    static void write(word w) { _mm_setcsr(w); }
#elif defined(__aarch64__)
    using word = std::uint64_t;
    static constexpr word bits = word{1} << 24;  // FPCR.FZ
    static word read() {
        word w;
        asm volatile("mrs %0, fpcr" : "=r"(w));
        return w;
    }
    static void write(word w) { asm volatile("msr fpcr, %0" : : "r"(w)); }
#else
    using word = unsigned int;
    static constexpr word bits = 0;
    static word read() { return 0; }
    static void write(word) {}
#endif
    word saved_;
};

}  // namespace synorm::model
