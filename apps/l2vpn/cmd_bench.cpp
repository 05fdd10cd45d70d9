// `l2vpn bench`: traffic generator and RFC 2544 runner (issue 7). Registers nothing until it is built.
#include "commands.hpp"

namespace l2vpn::app {

void add_bench_command(CLI::App&) {}

}  // namespace l2vpn::app
