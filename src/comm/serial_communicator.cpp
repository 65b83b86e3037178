#include <cstdlib>

#include "synorm/comm/communicator.hpp"

namespace synorm::comm {

namespace {

class serial_communicator final : public communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    void exchange_spikes(std::span<const std::uint64_t> local, std::vector<std::uint64_t>& global) override {
        global.assign(local.begin(), local.end());
    }
    void sum(std::span<std::int64_t>) override {}
    void sum(std::span<double>) override {}
    std::int64_t max(std::int64_t value) override { return value; }
    std::int64_t min(std::int64_t value) override { return value; }
    std::uint64_t exclusive_prefix_sum(std::uint64_t) override { return 0; }
    std::vector<std::int64_t> all_gather(std::int64_t value) override { return {value}; }
    void broadcast(std::string&, int) override {}
    void barrier() override {}
    [[noreturn]] void abort(int exit_code) override { std::_Exit(exit_code); }
    void* native_handle() override { return nullptr; }
};

}  // namespace

std::unique_ptr<communicator> make_serial() { return std::make_unique<serial_communicator>(); }

}  // namespace synorm::comm
