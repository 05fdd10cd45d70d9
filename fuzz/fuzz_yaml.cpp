// libFuzzer: the YAML topology loader (controlplane/yaml_loader). Any text
// must give a Topology or an Error, never a crash, a hang or a leak. What
// it accepts must pass the validator it claims to have run.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "controlplane/yaml_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // A name with no directory: a `backbone: x.graphml` key resolves relative
  // to the working directory (scripts/fuzz.sh runs in an empty one).
  auto topo = l2vpn::cp::parse_topology_yaml(text, "fuzz.yaml");
  if (topo.ok() && !l2vpn::cp::validate_topology(*topo).ok()) std::abort();
  return 0;
}
