#pragma once
// Label distribution in the style of LDP (RFC 5036): downstream unsolicited,
// liberal retention, ordered control. Every router allocates one label per
// PE loopback FEC from its own LabelRange (first + FEC index, so the same
// topology always gives the same labels and no failure renumbers them); the
// egress advertises implicit null for its own loopback (the penultimate hop
// pops: PHP) or explicit null (label 0) when Router::explicit_null. Because
// retention is liberal, every router holds every neighbor's label for every
// FEC, which is what lets an LFA backup NHLFE use the alternate neighbor's
// label before anything is recomputed.

#include <cstdint>
#include <span>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "controlplane/igp.hpp"
#include "controlplane/plan.hpp"

namespace l2vpn::cp {

// The label router `r` allocates for FEC `fec` (valid for every FEC but its
// own, which it never needs: it advertises a null label for that one).
inline uint32_t ldp_local_label(const Plan& plan, uint32_t r, uint32_t fec) {
  return plan.router_at(r).labels.first + fec;
}

// What router `r` advertises for `fec`: its local label, or for its own
// loopback kLabelImplicitNull (PHP) / kLabelIpv4ExplicitNull.
uint32_t ldp_advertised_label(const Plan& plan, uint32_t r, uint32_t fec);

// The IGP next hops of one router toward every FEC, with LFAs: the input of
// its ILM and FTN. Compared between computations to find what changed.
struct RouteTable {
  std::vector<uint32_t> offset;  // fec_count + 1 entries
  std::vector<IgpNextHop> hops;
  std::span<const IgpNextHop> to(uint32_t fec) const {
    return {hops.data() + offset[fec], hops.data() + offset[fec + 1]};
  }
  bool operator==(const RouteTable&) const = default;
};

RouteTable compute_routes(const Igp& igp, uint32_t router);

// The FTN next hop of `router` toward `fec` (push NHLFE or push ECMP group),
// nullopt when there is no LSP. What a pseudowire's transport points at.
std::optional<NextHop> ftn_next_hop(const Plan& plan, const RouteTable& routes, uint32_t router,
                                    uint32_t fec);

// The transport entries of one FEC at `router`, appended in key order: its
// NHLFEs (swap/pop, and push on PEs) and ECMP groups, its ILM entry, and (on
// PEs, when `ftn` is given) its FTN entry. Nothing when there is no route.
void build_transport_fec(const Plan& plan, const RouteTable& routes, uint32_t router, uint32_t fec,
                         std::vector<Nhlfe>& nhlfes, std::vector<EcmpGroup>& ecmp,
                         std::vector<IlmEntry>& ilm, std::vector<FtnEntry>* ftn);

// Which FEC a transport object belongs to (the inverse of IdScheme), or
// kNoIndex for a service object / non-LDP label.
uint32_t fec_of_nhlfe(const Plan& plan, uint32_t id);
uint32_t fec_of_ecmp(const Plan& plan, uint32_t id);
uint32_t fec_of_label(const Plan& plan, uint32_t router, uint32_t label);

// Fills the transport tables of `router`: NHLFEs (swap/pop for the ILM, push
// for the FTN, one per FEC and port, LFA backups linked), ECMP groups, ILM
// and (on PEs) FTN. Each table is in canonical order (sorted by its key).
void build_transport(const Plan& plan, const RouteTable& routes, uint32_t router,
                     ForwardingState& out);

}  // namespace l2vpn::cp
