#include "controlplane/topology.hpp"

namespace l2vpn::cp {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line);
}

const Router* Topology::find_router(std::string_view name) const {
  for (const Router& r : routers)
    if (r.name == name) return &r;
  return nullptr;
}

const Site* Topology::find_site(std::string_view name) const {
  for (const Site& s : sites)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace l2vpn::cp
