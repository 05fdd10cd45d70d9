#pragma once
// VPLS MAC address withdraw (RFC 4762 section 6.2) over the targeted LDP
// sessions of the VPLS mesh: an Address Withdraw message carrying the PWid
// FEC (FEC 128, PW id = the VSI id) of the PW to the receiver and a MAC List
// TLV. An empty list asks the receiver to flush every MAC of that VPLS but
// those learned from the sender (sent when one of our attachment circuits
// of the VPLS goes down: hosts behind it may reappear elsewhere); a list
// names the MACs to flush. The table sends one to every peer holding our
// mapping of a PW with that VSI id, and turns a received one into an event
// for the runtime, which flushes its bridge domain. A MAC withdraw naming a
// PW (peer, PW id) we do not have is counted (unknown VSI) and its event
// says so; nothing else changes. Pure like the rest of ldp/.

#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "ldp/pdu.hpp"
#include "ldp/pw.hpp"

namespace l2vpn::ldp {

using Mac = std::array<uint8_t, 6>;

// The Address Withdraw with the MAC List TLV for `fec` (sent without its
// interface parameters, as a Label Withdraw carries it). On the wire it
// starts with an empty IPv4 Address List TLV, as FRR's ldpd sends it and
// needs it (RFC 5036 3.5.6 makes the Address List mandatory); one without
// is accepted.
Message mac_withdraw_message(const PwidFec& fec, std::vector<Mac> macs);
inline bool is_mac_withdraw(const Message& m) {
  return m.type == msg::AddressWithdraw && m.mac_list.has_value();
}

// One PWid FEC of a received MAC withdraw.
struct MacWithdrawEvent {
  uint32_t peer = 0;    // the sender's LSR id
  uint32_t vsi_id = 0;  // the FEC's PW id
  std::vector<Mac> macs;  // empty: all but the sender's
  bool known = false;   // we have a PW (peer, vsi_id)
  bool operator==(const MacWithdrawEvent&) const = default;
};

struct MacWithdrawCounts {
  uint64_t in = 0, out = 0, flushed = 0;
  bool operator==(const MacWithdrawCounts&) const = default;
};

struct MacWithdrawCounters {
  uint64_t in = 0, out = 0;
  uint64_t unknown_vsi = 0;  // for a PW we do not have: counted, nothing flushed
  uint64_t ignored = 0;      // FEC elements that name no PW (prefix, wildcard, no PW id)
  uint64_t flushed = 0;      // MACs the runtime flushed on them
};

class MacWithdrawTable {
 public:
  // A received Address Withdraw with a MAC List: one event per PWid FEC element.
  void on_message(uint32_t peer, const Message& m, const PseudowireTable& pws);
  // Sends a MAC withdraw of `macs` for VSI `vsi_id` to every peer that holds
  // our mapping of a PW with that PW id. Returns how many were queued.
  size_t withdraw(uint32_t vsi_id, const std::vector<Mac>& macs, const PseudowireTable& pws,
                  PseudowireTable::Out& out);
  std::vector<MacWithdrawEvent> take();  // events since the last take
  void count_flushed(uint32_t peer, uint32_t vsi_id, uint64_t n);

  const MacWithdrawCounters& counters() const { return counters_; }
  MacWithdrawCounts of(uint32_t peer, uint32_t vsi_id) const;  // per PW

 private:
  std::vector<MacWithdrawEvent> events_;
  std::map<std::pair<uint32_t, uint32_t>, MacWithdrawCounts> per_pw_;
  MacWithdrawCounters counters_;
};

}  // namespace l2vpn::ldp
