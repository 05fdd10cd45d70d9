#pragma once
// Pseudowire signalling with the PWid FEC (FEC 128; RFC 4447, RFC 8077) over
// targeted LDP sessions: the LDP engine hands this table every PW label
// message and PW status notification a peer sends, and tells it when a
// session to a peer opens or closes; the table answers with the messages to
// send that peer. Pure like the rest of ldp/: no sockets, no clock.
//
// A PW is up when a session to its remote PE is OPERATIONAL, both labels
// exist, the PW types and MTUs agree, and neither end reports a fault in its
// PW status. Otherwise it is down with one reason, named as FRR's ldpd names
// them (l2vpn_pw_ok: no remote label, MTU mismatch, remote not forwarding).
// Control word (RFC 8077 6.2 / RFC 4385): used only when both ends set C;
// an end that sent C=1 and hears C=0 withdraws with "Wrong C-Bit" and maps
// again with C=0; an end that sent C=0 ignores a mapping with C=1.
// PW status (RFC 8077 5.4.3): sent in our mapping and, on a change, in a
// PW Status notification; a peer whose first mapping has no PW Status TLV
// is told of a fault by withdrawing our label instead, as FRR does.
// Mappings for PWs we do not have are kept (liberal retention, RFC 5036
// 2.6.2.2), counted, and used when such a PW is configured later.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ldp/pdu.hpp"

namespace l2vpn::ldp {

struct PseudowireConfig {
  std::string name;      // the service it belongs to (show only)
  uint32_t lsr_id = 0;   // the remote PE: its LSR id, reached by targeted LDP
  uint32_t pw_id = 0;
  uint16_t pw_type = pw_type::Ethernet;  // 5 raw, 4 tagged (the AC's mode)
  uint16_t mtu = 1500;                   // of the attachment circuit
  bool control_word = false;             // wanted; used only when both ends want it
  uint32_t group_id = 0;
  std::optional<uint16_t> requested_vlan;  // tagged mode only
  bool ac_up = true;  // the attachment circuit: down is signalled as a PW status fault
  bool operator==(const PseudowireConfig&) const = default;
};

enum class PwReason : uint8_t {
  None, NoSession, NoLocalLabel, NoRemoteLabel, TypeMismatch, MtuMismatch,
  RemoteNotForwarding, LocalNotForwarding
};
const char* pw_reason_name(PwReason r);

struct PseudowireState {
  PseudowireConfig config;
  std::optional<uint32_t> local_label;
  std::optional<uint32_t> remote_label;
  std::optional<uint16_t> remote_mtu;
  std::optional<uint16_t> remote_pw_type;
  bool remote_control_word = false;  // the C bit of the mapping we hold
  uint32_t remote_group = 0;
  std::optional<uint16_t> remote_vlan;
  bool control_word = false;         // in use: both ends set C
  uint32_t local_status = pw_status::Forwarding;   // what we signal
  uint32_t remote_status = pw_status::Forwarding;  // what the peer signals
  bool status_tlv = true;    // the peer signals status by TLV (else by withdraw)
  bool mapping_sent = false; // the peer holds our mapping
  bool up = false;
  PwReason reason = PwReason::NoSession;
  bool operator==(const PseudowireState&) const = default;
};

struct PwCounters {
  uint64_t mappings_in = 0, mappings_out = 0, withdraws_in = 0, withdraws_out = 0;
  uint64_t releases_in = 0, releases_out = 0, status_in = 0, status_out = 0;
  uint64_t wrong_cbit_out = 0, ignored_cbit = 0;
  uint64_t unknown_mappings = 0;  // for a PW we do not have: kept (liberal retention)
  uint64_t unknown_status = 0;    // a PW status for a PW we do not have: counted, dropped
  uint64_t requests_refused = 0;  // a Label Request for a PW we do not have
};

class PseudowireTable {
 public:
  using Out = std::map<uint32_t, std::vector<Message>>;  // per peer LSR id; ids unset
  using Allocate = std::function<std::optional<uint32_t>()>;
  using Release = std::function<void(uint32_t)>;

  // The PWs this router should have (their attachment circuits' state
  // included): new ones get a label and are mapped to open sessions, removed
  // ones are withdrawn and their labels released, changed ones re-mapped.
  void configure(std::vector<PseudowireConfig> pws, const Allocate& allocate,
                 const Release& release, Out& out);
  void session_up(uint32_t peer, Out& out);
  void session_down(uint32_t peer);
  // Label Mapping, Withdraw, Release, Request carrying PW FECs (only those),
  // and Notifications with the PW Status code.
  void on_message(uint32_t peer, const Message& m, Out& out);

  std::vector<PseudowireState> states() const;  // sorted by (lsr_id, pw_id)
  std::set<uint32_t> peers() const;              // the targeted neighbors PWs need
  const PwCounters& counters() const { return counters_; }
  uint64_t version() const { return version_; }  // bumped when states() changes
  size_t retained() const { return received_.size(); }

 private:
  using Key = std::pair<uint32_t, uint32_t>;  // (lsr_id, pw_id)
  struct Remote {
    PwidFec fec;
    uint32_t label = 0;
    std::optional<uint32_t> status;
  };
  PwidFec our_fec(const PseudowireState& pw, bool params) const;
  Message mapping(const PseudowireState& pw) const;
  Message withdraw(const PseudowireState& pw) const;
  void send_mapping(PseudowireState& pw, Out& out);
  void adopt_retained(const Key& key, PseudowireState& pw);
  void learn(uint32_t peer, const Message& m, const FecElement& f, Out& out);
  void forget(uint32_t peer, const std::function<bool(const Remote&)>& which);
  void evaluate();

  std::map<Key, PseudowireState> pws_;
  std::map<Key, Remote> received_;  // every PW mapping an open session holds
  std::set<uint32_t> operational_;
  PwCounters counters_;
  uint64_t version_ = 0;
};

}  // namespace l2vpn::ldp
