#pragma once
// The backbone as the user described it: routers, links, sites and services,
// after loading (YAML or GraphML) and validation. Plain data; the IGP, label
// distribution and PW signalling read it and never change it. Every object
// keeps where it was defined (file:line) so later errors can name it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"

namespace l2vpn::cp {

struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string str() const;  // "file:line" or "file"
};

enum class RouterRole : uint8_t { pe, p };

struct LabelRange {
  uint32_t first = 16;
  uint32_t last = 1048575;
  bool operator==(const LabelRange&) const = default;
};

struct Router {
  std::string name;
  RouterRole role = RouterRole::pe;
  std::string loopback;  // "10.255.0.1" (the FEC is loopback/32)
  LabelRange labels;
  bool explicit_null = false;  // advertise explicit null instead of implicit (PHP)
  // Run by someone else (FRR, a vendor router): `l2vpn node` will not run
  // it; its loopback (`lsr_id` in YAML) is its LDP LSR id.
  bool external = false;
  std::optional<double> latitude, longitude;  // from GraphML where present
  SourceLocation where;
};

struct Link {
  std::string a, b;            // router names
  std::string a_port, b_port;  // port names on each end ("to-<peer>" by default)
  uint32_t metric = 10;        // IGP metric, both directions
  uint64_t bandwidth_bps = 10'000'000'000ULL;
  double delay_us = 100.0;     // one-way propagation delay
  uint32_t mtu = 9000;         // payload MTU of the link
  SourceLocation where;
};

// A data-center site: a CE attached to one PE port (optionally one VLAN).
struct Site {
  std::string name;
  std::string pe;
  std::string port;       // PE port the AC uses ("ac-<site>" by default)
  uint16_t vlan = 0;      // 0: port-based AC
  AcMode mode = AcMode::raw;
  // What this end of a VPWS signals, when it differs from the service's:
  // the AC's MTU and whether it wants the control word. Ends that disagree
  // on the MTU keep the PW down (mtu_mismatch); the CW is used only if both
  // want it (RFC 4447/8077).
  std::optional<uint32_t> mtu;
  std::optional<bool> control_word;
  // `l2vpn run`: the real interface this site's PE port binds to, as
  // "af_packet:IFACE", "tap:IFACE", "memif:SOCKET" or "pci:ADDRESS" (empty:
  // none; emulated hosts, if any, attach there). Sites sharing a port share it.
  std::string interface;
  SourceLocation where;
};

struct VpwsService {
  std::string name;
  uint32_t pw_id = 0;
  std::string site_a, site_b;  // sites (attachment circuits) at the two ends
  bool control_word = true;
  uint32_t mtu = 1500;
  bool flow_label = false;
  SourceLocation where;
};

// H-VPLS (RFC 4762 section 10): an MTU-s attached by spoke PWs to hub PEs.
struct VplsSpoke {
  std::string mtu_s;              // router name of the MTU-s
  std::vector<std::string> hubs;  // one or two hub PEs (second is standby)
  SourceLocation where;
};

struct VplsService {
  std::string name;
  uint32_t vsi_id = 0;
  std::vector<std::string> sites;
  std::vector<VplsSpoke> spokes;
  uint32_t mac_limit = 4096;
  uint32_t aging_seconds = 300;
  uint32_t flood_rate_pps = 0;  // BUM frames flooded per second per PE (and worker); 0: no limit
  bool control_word = true;
  uint32_t mtu = 1500;
  BumMode bum_mode = BumMode::ingress_replication;
  SourceLocation where;
};

struct Topology {
  std::string name;
  std::string source;  // the file it came from
  std::vector<Router> routers;
  std::vector<Link> links;
  std::vector<Site> sites;
  std::vector<VpwsService> vpws;
  std::vector<VplsService> vpls;
  std::vector<std::string> warnings;  // e.g. what the GraphML importer repaired

  const Router* find_router(std::string_view name) const;
  const Site* find_site(std::string_view name) const;
};

}  // namespace l2vpn::cp
