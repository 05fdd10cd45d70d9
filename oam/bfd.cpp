#include "oam/bfd.hpp"

#include <algorithm>
#include <limits>

namespace l2vpn::oam {

std::string_view to_string(BfdState s) {
  switch (s) {
    case BfdState::admin_down: return "AdminDown";
    case BfdState::down: return "Down";
    case BfdState::init: return "Init";
    case BfdState::up: return "Up";
  }
  return "?";
}

std::string_view to_string(BfdDiag d) {
  switch (d) {
    case BfdDiag::none: return "no diagnostic";
    case BfdDiag::detection_time_expired: return "control detection time expired";
    case BfdDiag::echo_failed: return "echo function failed";
    case BfdDiag::neighbor_signaled_down: return "neighbor signaled session down";
    case BfdDiag::forwarding_plane_reset: return "forwarding plane reset";
    case BfdDiag::path_down: return "path down";
    case BfdDiag::concatenated_path_down: return "concatenated path down";
    case BfdDiag::admin_down: return "administratively down";
    case BfdDiag::reverse_concatenated_path_down: return "reverse concatenated path down";
  }
  return "reserved diagnostic";
}

std::string_view to_string(BfdError e) {
  switch (e) {
    case BfdError::ok: return "ok";
    case BfdError::truncated: return "truncated";
    case BfdError::bad_version: return "version not 1";
    case BfdError::bad_length: return "Length field below 24 (26 with authentication)";
    case BfdError::zero_detect_mult: return "Detect Mult 0";
    case BfdError::multipoint: return "Multipoint bit set";
    case BfdError::zero_my_discriminator: return "My Discriminator 0";
    case BfdError::zero_your_discriminator: return "Your Discriminator 0 outside Down/AdminDown";
    case BfdError::auth_unsupported: return "authentication present, none configured";
  }
  return "?";
}

Bytes encode(const BfdControl& p) {
  Bytes out;
  out.reserve(kBfdControlLen);
  Writer w(out);
  w.u8(uint8_t((p.version & 7) << 5 | (uint8_t(p.diag) & 31)));
  w.u8(uint8_t((uint8_t(p.state) & 3) << 6 | p.poll << 5 | p.final << 4 | p.cpi << 3 | p.auth << 2 |
               p.demand << 1 | uint8_t(p.multipoint)));
  w.u8(p.detect_mult);
  w.u8(uint8_t(kBfdControlLen));
  w.u32(p.my_discriminator);
  w.u32(p.your_discriminator);
  w.u32(p.desired_min_tx_us);
  w.u32(p.required_min_rx_us);
  w.u32(p.required_min_echo_rx_us);
  return out;
}

BfdError decode(std::span<const uint8_t> in, BfdControl& p) {
  if (in.size() < kBfdControlLen) return BfdError::truncated;
  p.version = in[0] >> 5;
  p.diag = BfdDiag(in[0] & 31);
  p.state = BfdState(in[1] >> 6);
  p.poll = in[1] & 0x20;
  p.final = in[1] & 0x10;
  p.cpi = in[1] & 0x08;
  p.auth = in[1] & 0x04;
  p.demand = in[1] & 0x02;
  p.multipoint = in[1] & 0x01;
  p.detect_mult = in[2];
  p.length = in[3];
  p.my_discriminator = load_be32(&in[4]);
  p.your_discriminator = load_be32(&in[8]);
  p.desired_min_tx_us = load_be32(&in[12]);
  p.required_min_rx_us = load_be32(&in[16]);
  p.required_min_echo_rx_us = load_be32(&in[20]);
  if (p.version != 1) return BfdError::bad_version;
  if (p.length < (p.auth ? 26 : kBfdControlLen)) return BfdError::bad_length;
  if (p.length > in.size()) return BfdError::truncated;
  if (p.detect_mult == 0) return BfdError::zero_detect_mult;
  if (p.multipoint) return BfdError::multipoint;
  if (p.my_discriminator == 0) return BfdError::zero_my_discriminator;
  if (p.your_discriminator == 0 && p.state != BfdState::down && p.state != BfdState::admin_down)
    return BfdError::zero_your_discriminator;
  if (p.auth) return BfdError::auth_unsupported;
  return BfdError::ok;
}

// ------------------------------------------------------------------ session

BfdSession::BfdSession(const BfdConfig& config, uint64_t now_ns)
    : config_(config), next_tx_ns_(now_ns), last_change_ns_(now_ns),
      rng_(config.my_discriminator * 2654435761u + 1) {}

uint32_t BfdSession::local_desired_tx_us() const {
  // RFC 5880 6.8.3: not less than one second while the session is not Up.
  if (state_ == BfdState::up) return config_.desired_min_tx_us;
  return std::max<uint32_t>(config_.desired_min_tx_us, 1'000'000);
}

uint64_t BfdSession::tx_interval_ns() const {
  return uint64_t(std::max(local_desired_tx_us(), remote_min_rx_us_)) * 1000;
}

uint64_t BfdSession::detection_time_ns() const {
  if (remote_detect_mult_ == 0) return 0;
  return uint64_t(remote_detect_mult_) * std::max(config_.required_min_rx_us, remote_desired_tx_us_) * 1000;
}

uint64_t BfdSession::jittered(uint64_t interval) {
  if (!config_.jitter) return interval;
  rng_ = rng_ * 1103515245u + 12345u;
  const uint32_t span = config_.detect_mult == 1 ? 15 : 25;  // percent
  const uint32_t pct = 75 + (rng_ >> 16) % (span + 1);
  return interval * pct / 100;
}

void BfdSession::change(BfdState s, BfdDiag d, uint64_t now_ns) {
  if (s == state_) return;
  const BfdState was = state_;
  state_ = s;
  diag_ = d;
  last_change_ns_ = now_ns;
  if (s == BfdState::up) {
    ++ups_;
    // The advertised TX interval drops from the slow one: tell the peer
    // with a Poll Sequence and start sending at the new rate now.
    if (config_.desired_min_tx_us < 1'000'000) poll_ = true;
    next_tx_ns_ = std::min(next_tx_ns_, now_ns + jittered(tx_interval_ns()));
  } else if (was == BfdState::up) {
    ++downs_;
    poll_ = false;
  }
}

bool BfdSession::receive(const BfdControl& p, uint64_t now_ns) {
  if (p.your_discriminator != 0 && p.your_discriminator != config_.my_discriminator) return false;
  if (state_ == BfdState::admin_down) return false;
  remote_disc_ = p.my_discriminator;
  remote_state_ = p.state;
  remote_min_rx_us_ = p.required_min_rx_us;
  remote_desired_tx_us_ = p.desired_min_tx_us;
  remote_detect_mult_ = p.detect_mult;
  last_rx_ns_ = now_ns;
  if (p.final && poll_) poll_ = false;
  if (p.state == BfdState::admin_down) {
    if (state_ != BfdState::down) change(BfdState::down, BfdDiag::neighbor_signaled_down, now_ns);
  } else {
    switch (state_) {
      case BfdState::down:
        if (p.state == BfdState::down) change(BfdState::init, BfdDiag::none, now_ns);
        else if (p.state == BfdState::init) change(BfdState::up, BfdDiag::none, now_ns);
        break;
      case BfdState::init:
        if (p.state == BfdState::init || p.state == BfdState::up)
          change(BfdState::up, BfdDiag::none, now_ns);
        break;
      case BfdState::up:
        if (p.state == BfdState::down) change(BfdState::down, BfdDiag::neighbor_signaled_down, now_ns);
        break;
      case BfdState::admin_down: break;
    }
  }
  if (p.poll) send_final_ = true;
  return true;
}

void BfdSession::tick(uint64_t now_ns) {
  if (state_ != BfdState::init && state_ != BfdState::up) return;
  const uint64_t det = detection_time_ns();
  if (det && now_ns >= last_rx_ns_ + det) {
    change(BfdState::down, BfdDiag::detection_time_expired, now_ns);
    remote_disc_ = 0;
    remote_state_ = BfdState::down;
    remote_detect_mult_ = 0;
    remote_min_rx_us_ = 1;
  }
}

BfdControl BfdSession::make(bool final) const {
  BfdControl p;
  p.diag = diag_;
  p.state = state_;
  p.poll = poll_ && !final;
  p.final = final;
  p.detect_mult = config_.detect_mult;
  p.my_discriminator = config_.my_discriminator;
  p.your_discriminator = remote_disc_;
  p.desired_min_tx_us = local_desired_tx_us();
  p.required_min_rx_us = config_.required_min_rx_us;
  return p;
}

std::optional<BfdControl> BfdSession::transmit(uint64_t now_ns) {
  if (send_final_) {
    send_final_ = false;
    return make(true);
  }
  // RFC 5880 6.8.7: a peer asking for no packets (RemoteMinRxInterval 0) gets none.
  if (remote_min_rx_us_ == 0) return std::nullopt;
  if (now_ns < next_tx_ns_) return std::nullopt;
  next_tx_ns_ = now_ns + jittered(tx_interval_ns());
  return make(false);
}

uint64_t BfdSession::next_event_ns() const {
  if (send_final_) return 0;
  uint64_t t = remote_min_rx_us_ == 0 ? std::numeric_limits<uint64_t>::max() : next_tx_ns_;
  if (state_ == BfdState::init || state_ == BfdState::up) {
    if (const uint64_t det = detection_time_ns()) t = std::min(t, last_rx_ns_ + det);
  }
  return t;
}

void BfdSession::set_admin_down(bool down, uint64_t now_ns) {
  if (down) {
    change(BfdState::admin_down, BfdDiag::admin_down, now_ns);
  } else if (state_ == BfdState::admin_down) {
    change(BfdState::down, BfdDiag::none, now_ns);
  }
}

void BfdSession::set_intervals(uint32_t desired_min_tx_us, uint32_t required_min_rx_us, uint8_t detect_mult) {
  config_.desired_min_tx_us = desired_min_tx_us;
  config_.required_min_rx_us = required_min_rx_us;
  config_.detect_mult = detect_mult;
  if (state_ == BfdState::up) poll_ = true;
}

}  // namespace l2vpn::oam
