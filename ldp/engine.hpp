#pragma once
// The LDP engine of one router (RFC 5036): discovery (basic hellos on core
// interfaces, targeted hellos to configured neighbors), the session state
// machine (active role by transport address, initialization, keepalives,
// hold timers), and the label information base (downstream unsolicited,
// liberal retention, ordered control, implicit null for FECs we are egress
// for). Pure: no sockets, no clock of its own. The runtime hands it what
// arrives and the time, and carries out the Actions it queues (send a hello,
// open a TCP connection, send bytes, close). The emulator can drive it in
// virtual time the same way.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "ldp/bindings.hpp"
#include "ldp/mac_withdraw.hpp"
#include "ldp/pdu.hpp"
#include "ldp/pw.hpp"

namespace l2vpn::ldp {

using Time = std::chrono::milliseconds;  // any monotonic origin
using Seconds = std::chrono::seconds;

struct Config {
  uint32_t lsr_id = 0;  // also our transport address
  std::vector<std::string> interfaces;           // basic discovery on these
  std::vector<uint32_t> targeted_neighbors;      // extended discovery to these
  bool accept_targeted = false;                  // answer unconfigured targeted hellos
  uint16_t link_hello_holdtime = 15, link_hello_interval = 5;
  uint16_t targeted_hello_holdtime = 45, targeted_hello_interval = 15;
  uint16_t keepalive = 180;        // proposed KeepAlive time (s); sent every third
  uint16_t init_timeout = 15;      // a session not OPERATIONAL by then is closed
  uint16_t connect_retry = 2;      // first retry of a failed active open; doubles to 30
  uint32_t label_min = 16, label_max = 1048575;
  bool explicit_null = false;      // advertise 0 instead of 3 for our own FECs
  uint16_t label_retention = 300;  // s a vanished FEC keeps its label (FRR: its LIB GC)
  // ms a FEC whose route vanished stays advertised, with its last next hops,
  // before it is withdrawn: an IGP reconverging deletes a route and adds it
  // back via the new next hop a few ms later, and upstream keeps a valid
  // label meanwhile. 0: withdrawn at once (ordered control, strictly).
  uint16_t route_holddown_ms = 0;
};

enum class SessionState : uint8_t { NonExistent, Initialized, OpenSent, OpenRec, Operational };
const char* state_name(SessionState s);

struct Action {
  enum class Kind : uint8_t { SendHello, Connect, Send, Close };
  Kind kind = Kind::Send;
  std::string interface;   // SendHello on a link; empty: targeted (unicast to address)
  uint32_t address = 0;    // SendHello: destination; Connect: peer transport address
  uint32_t peer = 0;       // Connect, Send, Close: the peer's LSR id
  std::vector<uint8_t> bytes;
};

struct Adjacency {
  uint32_t lsr_id = 0;
  std::string interface;  // empty: targeted
  uint32_t source = 0;    // source address of its hellos
  uint32_t transport = 0;
  uint16_t holdtime = 0;  // negotiated, seconds
  Time expires{};
};

struct Counters {
  uint64_t pdus_in = 0, pdus_out = 0, hellos_in = 0, hellos_out = 0;
  uint64_t notifications_in = 0, notifications_out = 0, bad_pdus = 0;
  uint64_t sessions_up = 0, sessions_down = 0;
  uint64_t mappings_in = 0, mappings_out = 0, withdraws_in = 0, withdraws_out = 0;
  uint64_t releases_in = 0, releases_out = 0;
};

struct Session {
  uint32_t lsr_id = 0;
  uint32_t transport = 0;
  bool active = false;
  SessionState state = SessionState::NonExistent;
  bool connecting = false;
  Time since{};          // state entered (uptime once OPERATIONAL)
  Time last_rx{}, next_keepalive{}, retry_at{};
  uint16_t retry_backoff = 0;
  uint16_t keepalive = 0;  // negotiated
  bool peer_typed_wildcard = false, peer_unrecognized_notif = false;
  bool end_of_lib_received = false;
  std::vector<uint8_t> rx;  // TCP bytes not yet a whole PDU
  std::vector<Message> outbox;  // to send, packed into PDUs by take_actions()
  std::set<uint32_t> addresses;
  std::map<Prefix, uint32_t> received;  // the peer's label per FEC (liberal retention)
  std::map<Prefix, uint32_t> sent;      // our mapping per FEC as the peer holds it
  std::string last_error;               // the last notification that ended it
};

class Engine {
 public:
  explicit Engine(Config cfg);

  // --- what the runtime hands in ---
  void set_routing(const RoutingView& view, Time now);
  void on_hello(const std::string& interface, uint32_t source, std::span<const uint8_t> bytes,
                Time now);
  // A TCP connection arrived from `remote` on port 646: the peer's LSR id when
  // we take it (we are passive toward an adjacency with that transport address).
  // A connection the runtime still holds for that peer is then dead: the
  // runtime drops it (the peer restarted) without telling the engine.
  std::optional<uint32_t> on_accept(uint32_t remote, Time now);
  void on_connected(uint32_t peer, Time now);
  void on_connect_failed(uint32_t peer, Time now);
  void on_data(uint32_t peer, std::span<const uint8_t> bytes, Time now);
  void on_closed(uint32_t peer, Time now);
  void tick(Time now);
  // The pseudowires (FEC 128) this router signals; their remote PEs become
  // targeted neighbors. Whole list each time, attachment circuit state included.
  void set_pseudowires(std::vector<PseudowireConfig> pws, Time now);
  // Ends every session with a Shutdown notification (the router stops).
  void shutdown(Time now);
  // VPLS MAC withdraw (ldp/mac_withdraw.hpp) of `macs` (empty: all but
  // ours) for VSI `vsi_id` to every peer holding our mapping of that PW id.
  size_t send_mac_withdraw(uint32_t vsi_id, const std::vector<Mac>& macs, Time now);
  // The MAC withdraws received since the last call (the runtime flushes).
  std::vector<MacWithdrawEvent> take_mac_withdraws() { return macw_.take(); }
  MacWithdrawTable& mac_withdraws() { return macw_; }

  // --- what the runtime takes out ---
  std::vector<Action> take_actions();
  bool has_actions() const;
  Time next_deadline() const;
  const Bindings& bindings() const { return bindings_; }
  uint64_t bindings_version() const { return bindings_version_; }

  // --- looking inside (show, telemetry, tests) ---
  const Config& config() const { return cfg_; }
  const std::map<uint32_t, Session>& sessions() const { return sessions_; }
  std::vector<Adjacency> adjacencies() const;
  const Counters& counters() const { return counters_; }
  std::optional<uint32_t> local_label(const Prefix& fec) const;
  // The peer whose address is `next_hop`, if any session holds it.
  std::optional<uint32_t> peer_of_address(uint32_t next_hop) const;
  const RoutingView& routing() const { return routing_; }
  const PseudowireTable& pseudowires() const { return pws_; }
  const MacWithdrawTable& mac_withdraws() const { return macw_; }

 private:
  struct AdjKey {
    uint32_t lsr_id;
    std::string interface;
    uint32_t source;
    auto operator<=>(const AdjKey&) const = default;
  };
  struct FecState {
    bool egress = false;
    std::vector<uint32_t> next_hops;
    std::optional<uint32_t> label;  // allocated; kept while the FEC is routed
    std::optional<Time> gone_since;  // its route vanished then (route_holddown_ms)
  };

  // discovery and sessions (engine.cpp)
  void send_hellos(Time now);
  void expire_adjacencies(Time now);
  void ensure_session(uint32_t lsr_id, uint32_t transport, Time now);
  void start_connect(Session& s, Time now);
  void send_pdu(Session& s, std::vector<Message> msgs);
  void flush(Session& s);
  void send_init(Session& s);
  void send_keepalive(Session& s, Time now);
  void notify(Session& s, uint32_t code, uint32_t msg_id, uint16_t msg_type,
              const std::string& why);
  void close_session(Session& s, Time now, const std::string& why, bool tcp_close = true);
  void handle_pdu(Session& s, const Pdu& pdu, Time now);
  void handle_init(Session& s, const Message& m, Time now);
  void become_operational(Session& s, Time now);
  uint32_t next_id() { return ++message_id_; }

  // label distribution (lib.cpp)
  void handle_label_message(Session& s, const Message& m);
  void handle_address(Session& s, const Message& m);
  void recompute();                     // ordered control, what each peer should hold
  void advertise_all(Session& s);       // the initial dump after OPERATIONAL
  void sync_peer(Session& s);           // send mappings/withdraws to match the LIB
  std::optional<uint32_t> desired_label(const Prefix& fec, const FecState& st) const;
  std::optional<uint32_t> allocate_label();
  void free_label(uint32_t label);
  void expire_retained(Time now);
  void expire_holddown(Time now);
  void publish();
  void send_pw(PseudowireTable::Out& out);  // pw.cpp's messages onto their sessions

  Config cfg_;
  RoutingView routing_;
  std::map<Prefix, FecState> fecs_;
  std::map<Prefix, uint32_t> advertised_;  // the label every peer should hold per FEC
  std::map<AdjKey, Adjacency> adjacencies_;
  std::map<uint32_t, Session> sessions_;
  std::vector<Action> actions_;
  Counters counters_;
  Time next_link_hello_{}, next_targeted_hello_{};
  uint32_t message_id_ = 0;
  uint32_t next_label_ = 0;
  // FECs that left the routing table keep their label this long, so a route
  // that flaps while the IGP reconverges comes back with the same label.
  std::map<Prefix, std::pair<uint32_t, Time>> retained_;
  std::deque<uint32_t> free_labels_;  // reused oldest first: a peer's late
                                      // packets do not meet a new FEC at once
  Bindings bindings_;
  uint64_t bindings_version_ = 0;
  PseudowireTable pws_;
  MacWithdrawTable macw_;
  Time now_{};
};

}  // namespace l2vpn::ldp
