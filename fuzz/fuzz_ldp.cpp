// libFuzzer: the LDP PDU codec and the session state machine (ldp/). Any
// bytes must decode to messages or to a Problem with a status code, never a
// crash; what decodes must re-encode to bytes that decode to the same thing.
// The same bytes then go down an open session of a passive engine, split in
// two reads at a place the first byte picks: the engine must answer with
// notifications and closes, never crash, and its bindings stay consistent.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ldp/engine.hpp"
#include "ldp/show.hpp"

using namespace l2vpn::ldp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> in(data + 1, size - 1);
  auto d = decode(in);
  if (!d.fatal) {
    auto again = decode(encode(d.pdu));
    if (again.fatal || !again.problems.empty() || !(again.pdu == d.pdu)) std::abort();
  }

  Config c;
  c.lsr_id = 0x01010101;
  c.interfaces = {"eth0"};
  Engine e(c);
  const uint32_t peer = 0x02020202;
  Time now{0};
  RoutingView v;
  v.local_fecs = {Prefix{0x01010101, 32}};
  v.routes = {Route{Prefix{0x03030303, 32}, {0x0a000002}, false}};
  e.set_routing(v, now);
  PseudowireConfig vpls;  // a VPLS PW to the peer: MAC withdraws for VSI 100 are known
  vpls.lsr_id = peer;
  vpls.pw_id = 100;
  e.set_pseudowires({vpls}, now);
  Message hello;
  hello.type = msg::Hello;
  hello.transport_address = peer;
  e.on_hello("eth0", 0x0a000002, encode(Pdu{peer, 0, {hello}}), now);
  e.on_hello("eth0", 0x0a000002, in, now);  // the bytes as a hello too
  if (e.on_accept(peer, now) != peer) std::abort();
  if (data[0] & 1) {  // open the session first, so label messages count
    Message init;
    init.type = msg::Init;
    init.session.receiver_lsr_id = c.lsr_id;
    Message ka;
    ka.type = msg::KeepAlive;
    e.on_data(peer, encode(Pdu{peer, 0, {init, ka}}), now);
  }
  size_t cut = in.empty() ? 0 : (data[0] >> 1) % in.size();
  e.on_data(peer, in.subspan(0, cut), now);
  e.on_data(peer, in.subspan(cut), now + Time(10));
  e.tick(now + Time(200000));
  (void)e.take_actions();
  (void)binding_json(e);
  (void)show_l2vpn(e);
  for (const auto& ev : e.take_mac_withdraws())
    if (ev.known != (ev.peer == peer && ev.vsi_id == 100)) std::abort();
  for (const auto& fb : e.bindings().fecs)
    for (const auto& r : fb.remote)
      if (r.label > 0xfffff) std::abort();
  return 0;
}
