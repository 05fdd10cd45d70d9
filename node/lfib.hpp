#pragma once
// A router's ForwardingState from what LDP and the kernel know: for every
// FEC with a kernel route, each ECMP next hop whose LSR gave a label (the
// next hop's address is among that peer's Address-message addresses) and
// whose MAC the kernel has resolved becomes an NHLFE out of that port:
// swap to the peer's label, or pop when it is implicit null (PHP) in the
// ILM entry of our local label; push it (nothing for implicit null) in the
// FTN. Two or more next hops make an ECMP group. A FEC whose route is
// gone but which LDP still advertises (its route hold-down, while the IGP
// reconverges) is popped toward its egress (the peer that advertised
// implicit null for it) if that is a resolved neighbor on an up core
// port. A core port's MTU is its kernel interface's (1500..9600): a PW
// frame needs room for its labels and control word. Pure: the node publishes
// the result to the fast path with RCU, like every other ForwardingState.

#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "ldp/bindings.hpp"
#include "node/kernel.hpp"

namespace l2vpn::node {

ForwardingState build_state(const std::string& router, uint32_t lsr_id, const KernelView& k,
                            const ldp::Bindings& b, const std::vector<std::string>& core_ports);

}  // namespace l2vpn::node
