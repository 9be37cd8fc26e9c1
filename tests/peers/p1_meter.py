#!/usr/bin/env python3
"""A DSMR 5 / e-MUCS smart meter's P1 port as a process, for tests.

Serves telegrams over TCP on loopback (like a P1-to-Wi-Fi dongle or ser2net)
to every connected client, once per --interval seconds. Computes the CRC
itself (CRC-16/ARC over '/' .. '!'). Prints "PORT <n>" on stdout once it
listens, so a test can start it on port 0.

Values come from options or from a script file; it misbehaves on request:
  --close-after N       close each connection after sending it N telegrams
  --silent              accept connections, send nothing
  --bad-crc-every N     every Nth telegram carries a wrong CRC
  --garbage             send noise between telegrams
  --chunk N             write each telegram in pieces of N bytes
  --count N             exit after N telegrams (0: run until killed)
Commands, from the script file (one per line, "AT_TELEGRAM COMMAND ARGS...")
or from stdin (one per line, applied at the next telegram):
  power L1 L2 L3        import power per phase, kW (negative: export)
  stop | resume         stop or resume sending (connections stay open)
  close                 close every connection now
  badcrc                the next telegram carries a wrong CRC
  garbage               noise before the next telegram
Python 3 standard library only.
"""
import argparse
import select
import socket
import sys
import threading
import time


def crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


class Meter:
    def __init__(self, args):
        self.phases_kw = [float(v) for v in args.power.split(",")]
        self.import_kwh = [args.import_kwh, 0.0]
        self.export_kwh = [args.export_kwh, 0.0]
        self.gas_m3 = args.gas_m3
        self.seconds_per_telegram = args.seconds_per_telegram or args.interval
        self.emucs = args.emucs
        self.unix_s = args.start
        self.index = 0

    def telegram(self, bad_crc=False) -> bytes:
        imp = [max(p, 0.0) for p in self.phases_kw]
        exp = [max(-p, 0.0) for p in self.phases_kw]
        t = time.gmtime(self.unix_s + 3600)  # winter time, +01:00
        stamp = time.strftime("%y%m%d%H%M%S", t) + "W"
        lines = ["/XMX5LGF0000000000001" if not self.emucs else "/FLU5\\253769484_A", ""]
        lines.append("0-0:96.1.4(50217)" if self.emucs else "1-3:0.2.8(50)")
        lines.append("0-0:1.0.0(%s)" % stamp)
        lines.append("0-0:96.1.1(4530303034303031353934373534343134)")
        lines.append("1-0:1.8.1(%010.3f*kWh)" % self.import_kwh[0])
        lines.append("1-0:1.8.2(%010.3f*kWh)" % self.import_kwh[1])
        lines.append("1-0:2.8.1(%010.3f*kWh)" % self.export_kwh[0])
        lines.append("1-0:2.8.2(%010.3f*kWh)" % self.export_kwh[1])
        lines.append("0-0:96.14.0(0001)")
        if self.emucs:
            lines.append("1-0:1.4.0(%06.3f*kW)" % sum(imp))
            lines.append("1-0:1.6.0(%s)(%06.3f*kW)" % (stamp, sum(imp)))
        lines.append("1-0:1.7.0(%06.3f*kW)" % sum(imp))
        lines.append("1-0:2.7.0(%06.3f*kW)" % sum(exp))
        for i, (a, b) in enumerate(((21, 22), (41, 42), (61, 62))):
            lines.append("1-0:%d.7.0(%06.3f*kW)" % (a, imp[i]))
            lines.append("1-0:%d.7.0(%06.3f*kW)" % (b, exp[i]))
        for i, obis in enumerate((32, 52, 72)):
            lines.append("1-0:%d.7.0(230.%d*V)" % (obis, i))
        for i, obis in enumerate((31, 51, 71)):
            amps = abs(self.phases_kw[i]) * 1000 / 230
            lines.append("1-0:%d.7.0(%03d*A)" % (obis, round(amps)))
        lines.append("0-1:24.1.0(003)")
        lines.append("0-1:96.1.0(4730303339303031363032303832313136)")
        lines.append("0-1:24.2.1(%s)(%09.3f*m3)" % (stamp, self.gas_m3))
        body = ("\r\n".join(lines) + "\r\n!").encode("ascii")
        crc = crc16(body) ^ (0x5A5A if bad_crc else 0)
        # Registers grow by the power over the simulated time of one telegram.
        hours = self.seconds_per_telegram / 3600.0
        self.import_kwh[0] += sum(imp) * hours
        self.export_kwh[0] += sum(exp) * hours
        self.unix_s += self.seconds_per_telegram
        self.index += 1
        return body + ("%04X\r\n" % crc).encode("ascii")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between telegrams")
    parser.add_argument("--power", default="0.5,0.3,0.2", help="kW per phase, - for export")
    parser.add_argument("--import-kwh", type=float, default=1000.0)
    parser.add_argument("--export-kwh", type=float, default=0.0)
    parser.add_argument("--gas-m3", type=float, default=100.0)
    parser.add_argument("--seconds-per-telegram", type=float, default=0.0,
                        help="simulated time one telegram advances the registers (default: interval)")
    parser.add_argument("--start", type=int, default=1735689600, help="unix time of the first telegram")
    parser.add_argument("--emucs", action="store_true", help="Belgian e-MUCS telegrams")
    parser.add_argument("--script", help="file of 'AT_TELEGRAM COMMAND ARGS' lines")
    parser.add_argument("--close-after", type=int, default=0)
    parser.add_argument("--silent", action="store_true")
    parser.add_argument("--bad-crc-every", type=int, default=0)
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--chunk", type=int, default=0)
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()

    meter = Meter(args)
    script = {}
    if args.script:
        with open(args.script) as f:
            for line in f:
                parts = line.split()
                if parts and not parts[0].startswith("#"):
                    script.setdefault(int(parts[0]), []).append(parts[1:])
    pending = []
    lock = threading.Lock()

    def read_stdin():
        for line in sys.stdin:
            if line.split():
                with lock:
                    pending.append(line.split())

    threading.Thread(target=read_stdin, daemon=True).start()

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.port))
    server.listen(8)
    server.setblocking(False)
    print("PORT %d" % server.getsockname()[1], flush=True)

    clients = {}  # socket -> telegrams sent
    sending = not args.silent
    bad_next = False
    garbage_next = False
    next_at = time.monotonic()
    while True:
        timeout = max(0.0, next_at - time.monotonic())
        readable, _, _ = select.select([server] + list(clients), [], [], timeout)
        for sock in readable:
            if sock is server:
                try:
                    conn, _ = server.accept()
                    clients[conn] = 0
                except BlockingIOError:
                    pass
            else:
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    clients.pop(sock, None)
                    sock.close()
        if time.monotonic() < next_at:
            continue
        next_at += args.interval
        with lock:
            commands = script.pop(meter.index, []) + pending[:]
            pending.clear()
        for command in commands:
            if command[0] == "power":
                meter.phases_kw = [float(v) for v in command[1:4]]
            elif command[0] == "stop":
                sending = False
            elif command[0] == "resume":
                sending = True
            elif command[0] == "close":
                for sock in list(clients):
                    sock.close()
                clients.clear()
            elif command[0] == "badcrc":
                bad_next = True
            elif command[0] == "garbage":
                garbage_next = True
        if not sending:
            continue
        bad = bad_next or (args.bad_crc_every and (meter.index + 1) % args.bad_crc_every == 0)
        bad_next = False
        payload = meter.telegram(bad_crc=bool(bad))
        if args.garbage or garbage_next:
            payload = b"\x00\xffnoise!\r\n(123)" + payload
            garbage_next = False
        for sock in list(clients):
            try:
                sock.setblocking(True)
                if args.chunk > 0:
                    for i in range(0, len(payload), args.chunk):
                        sock.sendall(payload[i:i + args.chunk])
                else:
                    sock.sendall(payload)
                clients[sock] += 1
                if args.close_after and clients[sock] >= args.close_after:
                    clients.pop(sock)
                    sock.close()
            except OSError:
                clients.pop(sock, None)
                sock.close()
        if args.count and meter.index >= args.count:
            return


if __name__ == "__main__":
    main()
