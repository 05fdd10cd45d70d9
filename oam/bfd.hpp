#pragma once
// BFD (RFC 5880) control packets and an asynchronous-mode session, for BFD
// over pseudowires (RFC 5885, VCCV) and for LSPs (RFC 5884). The session
// is a pure state machine driven by the times the caller passes in (ns on
// any monotonic clock): receive() takes a decoded packet, tick() runs the
// detection timer, transmit() says what to send and when. No sockets, no
// threads: the emulator drives it with simulated time, tests with numbers.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "oam/wire.hpp"

namespace l2vpn::oam {

inline constexpr uint16_t kBfdSingleHopPort = 3784;  // RFC 5881
inline constexpr uint16_t kBfdLspPort = 3784;        // RFC 5884 uses the same port
inline constexpr size_t kBfdControlLen = 24;

enum class BfdState : uint8_t { admin_down = 0, down = 1, init = 2, up = 3 };
std::string_view to_string(BfdState s);

// RFC 5880 4.1 diagnostic codes.
enum class BfdDiag : uint8_t {
  none = 0,
  detection_time_expired = 1,
  echo_failed = 2,
  neighbor_signaled_down = 3,
  forwarding_plane_reset = 4,
  path_down = 5,
  concatenated_path_down = 6,
  admin_down = 7,
  reverse_concatenated_path_down = 8,
};
std::string_view to_string(BfdDiag d);

struct BfdControl {
  uint8_t version = 1;
  BfdDiag diag = BfdDiag::none;
  BfdState state = BfdState::down;
  bool poll = false, final = false, cpi = false, auth = false, demand = false, multipoint = false;
  uint8_t detect_mult = 3;
  uint8_t length = kBfdControlLen;
  uint32_t my_discriminator = 0;
  uint32_t your_discriminator = 0;
  uint32_t desired_min_tx_us = 0;
  uint32_t required_min_rx_us = 0;
  uint32_t required_min_echo_rx_us = 0;
  bool operator==(const BfdControl&) const = default;
};

Bytes encode(const BfdControl& p);

// RFC 5880 6.8.6: the checks that make a receiver discard a packet.
enum class BfdError : uint8_t {
  ok,
  truncated,              // fewer octets than 24 or than the Length field
  bad_version,            // not version 1
  bad_length,             // Length < 24 (26 with A)
  zero_detect_mult,
  multipoint,             // M bit set
  zero_my_discriminator,
  zero_your_discriminator,  // Your Discriminator 0 in a state other than Down/AdminDown
  auth_unsupported,       // A bit: we run no authentication, so discard
};
std::string_view to_string(BfdError e);
BfdError decode(std::span<const uint8_t> in, BfdControl& out);

struct BfdConfig {
  uint32_t my_discriminator = 1;  // nonzero, unique per router
  uint32_t desired_min_tx_us = 1'000'000;
  uint32_t required_min_rx_us = 1'000'000;
  uint8_t detect_mult = 3;
  bool jitter = true;  // RFC 5880 6.8.7: 75-100% of the interval (90% max with mult 1)
};

class BfdSession {
 public:
  BfdSession(const BfdConfig& config, uint64_t now_ns);

  // A decoded, valid packet for this session. Returns false when the
  // session discards it (Your Discriminator not ours, admin down).
  bool receive(const BfdControl& p, uint64_t now_ns);
  // Runs the detection timer: Init/Up with nothing heard for the detection
  // time -> Down, diagnostic 1.
  void tick(uint64_t now_ns);
  // The packet due at `now_ns` (periodic, or a Final answering a Poll), or
  // nothing. Call at next_event_ns() or later.
  std::optional<BfdControl> transmit(uint64_t now_ns);
  // The earliest time tick() or transmit() has work.
  uint64_t next_event_ns() const;

  void set_admin_down(bool down, uint64_t now_ns);
  // New intervals: takes effect through a Poll Sequence (RFC 5880 6.8.3).
  void set_intervals(uint32_t desired_min_tx_us, uint32_t required_min_rx_us, uint8_t detect_mult);

  BfdState state() const { return state_; }
  BfdDiag diag() const { return diag_; }
  const BfdConfig& config() const { return config_; }
  uint32_t remote_discriminator() const { return remote_disc_; }
  // Detection time in use (remote multiplier x max(our required RX, its
  // desired TX)); 0 before anything was heard.
  uint64_t detection_time_ns() const;
  // The interval between our packets now (before jitter).
  uint64_t tx_interval_ns() const;
  bool poll_active() const { return poll_; }
  // Time of the last state change and of the last packet received.
  uint64_t last_change_ns() const { return last_change_ns_; }
  uint64_t last_rx_ns() const { return last_rx_ns_; }
  uint64_t up_transitions() const { return ups_; }
  uint64_t down_transitions() const { return downs_; }

 private:
  void change(BfdState s, BfdDiag d, uint64_t now_ns);
  uint32_t local_desired_tx_us() const;
  uint64_t jittered(uint64_t interval_ns);
  BfdControl make(bool final) const;

  BfdConfig config_;
  BfdState state_ = BfdState::down;
  BfdDiag diag_ = BfdDiag::none;
  uint32_t remote_disc_ = 0;
  BfdState remote_state_ = BfdState::down;
  uint32_t remote_min_rx_us_ = 1;
  uint32_t remote_desired_tx_us_ = 0;
  uint8_t remote_detect_mult_ = 0;
  bool poll_ = false;        // our Poll Sequence in progress
  bool send_final_ = false;  // answer a received Poll
  uint64_t next_tx_ns_ = 0;
  uint64_t last_rx_ns_ = 0;
  uint64_t last_change_ns_ = 0;
  uint64_t ups_ = 0, downs_ = 0;
  uint32_t rng_;
};

}  // namespace l2vpn::oam
