// libFuzzer: the GraphML importer (controlplane/graphml_importer, pugixml).
// Any bytes must give a Topology or an Error naming the line, never a
// crash, a hang or a leak; every metric mode.
#include <cstdint>
#include <string_view>

#include "controlplane/graphml_importer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the metric mode; the rest is the document.
  l2vpn::cp::GraphMlOptions o;
  o.metric = l2vpn::cp::MetricMode(data[0] % 3);
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto topo = l2vpn::cp::parse_graphml(text, "fuzz.graphml", o);
  (void)topo;
  return 0;
}
