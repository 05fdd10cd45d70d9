#pragma once
// A look inside a running router: counters as router-style text tables and
// as JSON, read from the per-worker counters (summed).
#include <string>

#include "dataplane/router.hpp"

namespace l2vpn::dp {

// Ports (rx/tx frames and bytes), totals, every nonzero drop reason with
// its description, and per-label / per-PW counters for installed labels.
std::string format_counters(const Router& router);
std::string counters_json(const Router& router, int indent = 2);

}  // namespace l2vpn::dp
