// libFuzzer: the strict ForwardingState JSON loader (contract/). Any text
// must give a state or an Error naming the path, never a crash or a leak.
// What it accepts must survive to_json and back unchanged, and the diff
// machinery must round-trip on a valid one: apply(empty, diff(empty, s)) is s
// in canonical order.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "contract/forwarding_state.hpp"
#include "contract/forwarding_state_diff.hpp"

using namespace l2vpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto state = forwarding_state_from_json(text, "fuzz.json");
  if (!state.ok()) return 0;
  const bool valid = validate(*state).ok();
  auto again = forwarding_state_from_json(to_json(*state), "to_json");
  if (!again.ok() || !(*again == *state)) std::abort();
  if (!valid) return 0;  // duplicates would collapse in a diff keyed by id
  ForwardingState empty;
  empty.router = state->router;
  ForwardingState canon = *state;
  canonicalize(canon);
  if (!(apply(empty, diff(empty, *state)) == canon)) std::abort();
  return 0;
}
