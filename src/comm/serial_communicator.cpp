#include <cstdlib>

#include "synorm/comm/communicator.hpp"

namespace synorm::comm {

namespace {

class serial_communicator final : public solitary_collectives {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    void exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) override {
        global.assign(local.begin(), local.end());
    }
    [[noreturn]] void abort(int exit_code) override { std::_Exit(exit_code); }
};

}  // namespace

std::unique_ptr<communicator> make_serial() { return std::make_unique<serial_communicator>(); }

}  // namespace synorm::comm
