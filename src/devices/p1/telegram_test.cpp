// The P1 parser on published example telegrams (tests/data/p1/README.md
// names the source of each). Expected values are read off the telegram text;
// unix times were computed with Python's datetime from the text and the
// offset its S/W flag gives.
#include "devices/p1/telegram.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/text.hpp"
#include "devices/p1/reading.hpp"

namespace kirchhoff::devices::p1 {
namespace {

std::string telegram_file(const std::string& name) {
  auto text = common::read_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/tests/data/p1/" + name);
  EXPECT_TRUE(text.has_value()) << name;
  return text.value_or("");
}

Telegram parse_ok(const std::string& text, ParseOptions options = {}) {
  auto parsed = parse_telegram(text, options);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : Telegram{};
}

std::string parse_error(const std::string& text) {
  auto parsed = parse_telegram(text);
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : parsed.error().message;
}

TEST(P1Crc, CheckValueOfCrc16Arc) {
  // The CRC RevEng catalogue's check value of CRC-16/ARC for "123456789".
  EXPECT_EQ(crc16("123456789"), 0xBB3D);
  EXPECT_EQ(crc_hex(0x0B9F), "0B9F");
}

TEST(P1Telegram, Dsmr50) {
  const Telegram t = parse_ok(telegram_file("dsmr50.txt"));
  EXPECT_EQ(t.header, "ISk5\\2MT382-1000");
  ASSERT_TRUE(t.crc_ok.has_value());
  EXPECT_TRUE(*t.crc_ok);
  EXPECT_EQ(t.crc_sent, 0x6EEE);
  EXPECT_EQ(t.objects.size(), 37u);  // its data lines

  const CosemObject* version = t.find("1-3:0.2.8");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version->text, "50");
  const CosemObject* id = t.find("0-0:96.1.1");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->text, "4B384547303034303436333935353037");
  EXPECT_EQ(id->line, 5u);

  const CosemObject* t1 = t.find("1-0:1.8.1");
  ASSERT_NE(t1, nullptr);
  EXPECT_DOUBLE_EQ(*t1->value, 4.426);
  EXPECT_EQ(t1->unit, "kWh");
  EXPECT_EQ(t.find("0-0:96.14.0")->text, "0002");
  EXPECT_EQ(t.number("0-0:96.7.21"), 13.0);
  EXPECT_EQ(t.find("0-0:96.7.21")->unit, "");

  const CosemObject* time = t.find("0-0:1.0.0");
  ASSERT_NE(time, nullptr);
  ASSERT_TRUE(time->timestamp.has_value());
  EXPECT_EQ(time->timestamp->iso, "2017-01-02T19:20:02+01:00");
  EXPECT_EQ(time->timestamp->unix_ms, 1483381202000);

  const CosemObject* failures = t.find("1-0:99.97.0");
  ASSERT_NE(failures, nullptr);
  EXPECT_TRUE(failures->is_log);
  EXPECT_EQ(failures->value, 0.0);
  EXPECT_TRUE(failures->entries.empty());

  const CosemObject* gas = t.find("0-1:24.2.1");
  ASSERT_NE(gas, nullptr);
  EXPECT_DOUBLE_EQ(*gas->value, 0.107);
  EXPECT_EQ(gas->unit, "m3");
  EXPECT_EQ(gas->timestamp->iso, "2017-01-02T16:10:05+01:00");
  EXPECT_EQ(t.find("0-2:96.1.0")->text, "");
  EXPECT_EQ(t.find("0-0:96.13.0")->text, "");

  const Reading r = to_reading(t, 42);
  EXPECT_EQ(r.unix_ms, 1483381202000);
  EXPECT_DOUBLE_EQ(*r.power_w, 244.0);  // 1.7.0 00.244 kW - 2.7.0 00.000 kW
  EXPECT_DOUBLE_EQ(*r.phase_power_w[0], 70.0);
  EXPECT_DOUBLE_EQ(*r.phase_power_w[1], 32.0);
  EXPECT_DOUBLE_EQ(*r.phase_power_w[2], 142.0);
  EXPECT_DOUBLE_EQ(*r.phase_current_a[0], 0.48);
  EXPECT_DOUBLE_EQ(*r.phase_current_a[2], 0.86);
  EXPECT_DOUBLE_EQ(*r.phase_voltage_v[2], 229.0);
  EXPECT_NEAR(*r.energy_import_wh, 6825.0, 1e-6);  // 4.426 + 2.399 kWh
  EXPECT_NEAR(*r.energy_export_wh, 2444.0, 1e-6);  // 2.444 + 0.000 kWh
  EXPECT_DOUBLE_EQ(*r.gas_m3, 0.107);
  EXPECT_FALSE(r.water_m3.has_value());
  EXPECT_FALSE(r.quarter_hour_average_w.has_value());
  EXPECT_FALSE(r.frequency_hz.has_value());
  EXPECT_EQ(tariff_indicator(t), 2);
}

TEST(P1Telegram, Dsmr50GasOnSecondChannel) {
  const Telegram t = parse_ok(telegram_file("dsmr50_two_mbus.txt"));
  EXPECT_EQ(t.crc_sent, 0x56DD);
  // Channel 1 is a gas meter without a reading (00000000, time 1970); the
  // reading takes the first gas channel with a register in m3: channel 2.
  EXPECT_EQ(t.number("0-1:24.2.1"), 0.0);
  EXPECT_EQ(t.find("0-1:24.2.1")->unit, "");
  const Reading r = to_reading(t, 0);
  EXPECT_DOUBLE_EQ(*r.gas_m3, 246.138);
  EXPECT_EQ(tariff_indicator(t), 1);
}

TEST(P1Telegram, Dsmr42PowerFailureLog) {
  const Telegram t = parse_ok(telegram_file("dsmr42.txt"));
  EXPECT_EQ(t.crc_sent, 0x6796);
  const CosemObject* log = t.find("1-0:99.97.0");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->value, 3.0);
  ASSERT_EQ(log->entries.size(), 3u);
  EXPECT_EQ(log->entries[0].timestamp.iso, "2000-01-04T18:03:20+01:00");
  EXPECT_EQ(log->entries[0].timestamp.unix_ms, 947005400000);
  EXPECT_DOUBLE_EQ(log->entries[0].value, 237126.0);
  EXPECT_EQ(log->entries[0].unit, "s");
  EXPECT_DOUBLE_EQ(log->entries[2].value, 2317482647.0);

  const Reading r = to_reading(t, 0);
  EXPECT_EQ(r.unix_ms, 1479067077000);  // 161113205757W
  EXPECT_DOUBLE_EQ(*r.power_w, 2027.0);
  EXPECT_DOUBLE_EQ(*r.phase_power_w[1], 1247.0);
  EXPECT_DOUBLE_EQ(*r.phase_current_a[1], 6.0);
  EXPECT_FALSE(r.phase_voltage_v[0].has_value());     // DSMR 4.2 sends no voltages here
  EXPECT_NEAR(*r.energy_import_wh, 3016829.0, 1e-6);  // 1581.123 + 1435.706 kWh
  EXPECT_DOUBLE_EQ(*r.gas_m3, 981.443);
  EXPECT_EQ(t.find("0-1:24.2.1")->timestamp->unix_ms, 1480446000000);
}

TEST(P1Telegram, Dsmr30GasValueOnTheNextLine) {
  const Telegram t = parse_ok(telegram_file("dsmr30.txt"));
  EXPECT_FALSE(t.crc_ok.has_value());
  EXPECT_FALSE(t.crc_sent.has_value());
  const CosemObject* gas = t.find("0-1:24.3.0");
  ASSERT_NE(gas, nullptr);
  EXPECT_EQ(gas->fields.size(), 7u);
  EXPECT_DOUBLE_EQ(*gas->value, 1.001);
  EXPECT_EQ(gas->unit, "m3");
  // 090212160000 carries no S/W: February is winter time, +01:00.
  EXPECT_EQ(gas->timestamp->iso, "2009-02-12T16:00:00+01:00");
  EXPECT_EQ(gas->timestamp->unix_ms, 1234450800000);
  EXPECT_EQ(t.find("0-0:96.13.1")->text, "303132333435363738");
  EXPECT_EQ(t.number("0-0:17.0.0"), 16.0);

  const Reading r = to_reading(t, 1234567);
  EXPECT_EQ(r.unix_ms, 1234567);                       // no 0-0:1.0.0: the time of receipt
  EXPECT_NEAR(*r.energy_import_wh, 24691356.0, 1e-6);  // 2 x 12345.678 kWh
  EXPECT_DOUBLE_EQ(*r.power_w, 1190.0);
  EXPECT_DOUBLE_EQ(*r.gas_m3, 1.001);
  EXPECT_FALSE(r.phase_power_w[0].has_value());
}

TEST(P1Telegram, Dsmr22) {
  const Telegram t = parse_ok(telegram_file("dsmr22.txt"));
  EXPECT_FALSE(t.crc_ok.has_value());
  EXPECT_EQ(t.header, "ISk5\\2MT382-1004");
  const CosemObject* gas = t.find("0-1:24.3.0");
  ASSERT_NE(gas, nullptr);
  EXPECT_DOUBLE_EQ(*gas->value, 1.001);
  // 7 November 2016 is after the end of summer time (30 October): +01:00.
  EXPECT_EQ(gas->timestamp->unix_ms, 1478541600000);
  EXPECT_EQ(t.find("0-0:96.1.1")->text, "00000000000000");
  const Reading r = to_reading(t, 0);
  EXPECT_DOUBLE_EQ(*r.power_w, 1010.0);
  EXPECT_DOUBLE_EQ(*r.gas_m3, 1.001);
}

TEST(P1Telegram, FluviusCapacityTariff) {
  const Telegram t = parse_ok(telegram_file("emucs_fluvius.txt"));
  EXPECT_EQ(t.crc_sent, 0x3AD7);
  EXPECT_EQ(t.find("0-0:96.1.4")->text, "50217");
  const CosemObject* peak = t.find("1-0:1.6.0");
  ASSERT_NE(peak, nullptr);
  EXPECT_DOUBLE_EQ(*peak->value, 2.589);
  EXPECT_EQ(peak->timestamp->iso, "2020-05-09T13:45:58+02:00");
  EXPECT_EQ(peak->timestamp->unix_ms, 1589024758000);

  const CosemObject* history = t.find("0-0:98.1.0");
  ASSERT_NE(history, nullptr);
  EXPECT_TRUE(history->is_log);
  EXPECT_EQ(history->value, 3.0);
  ASSERT_EQ(history->entries.size(), 3u);
  EXPECT_EQ(history->entries[0].timestamp.unix_ms, 1588284000000);        // 200501000000S
  EXPECT_EQ(history->entries[0].peak_timestamp->unix_ms, 1587662738000);  // 200423192538S
  EXPECT_DOUBLE_EQ(history->entries[0].value, 3.695);
  EXPECT_EQ(history->entries[0].unit, "kW");
  EXPECT_DOUBLE_EQ(history->entries[1].value, 5.980);
  EXPECT_DOUBLE_EQ(history->entries[2].value, 4.318);
  EXPECT_EQ(history->entries[2].peak_timestamp->iso, "2020-02-10T03:54:21+01:00");

  const Reading r = to_reading(t, 0);
  EXPECT_DOUBLE_EQ(*r.quarter_hour_average_w, 2351.0);
  EXPECT_DOUBLE_EQ(*r.month_peak_w, 2589.0);
  EXPECT_NEAR(*r.energy_import_wh, 15792.0, 1e-6);  // 0.034 + 15.758 kWh
  EXPECT_NEAR(*r.energy_export_wh, 11.0, 1e-6);
  EXPECT_DOUBLE_EQ(*r.gas_m3, 112.384);    // channel 1, type 3, 24.2.3
  EXPECT_DOUBLE_EQ(*r.water_m3, 872.234);  // channel 2, type 7
  EXPECT_DOUBLE_EQ(*r.phase_voltage_v[0], 234.7);
  EXPECT_DOUBLE_EQ(*r.power_w, 0.0);
  EXPECT_EQ(r.unix_ms, 1589284449000);  // 200512135409S
  EXPECT_EQ(tariff_indicator(t), 1);
}

TEST(P1Telegram, FluviusMonthWithoutPeakTime) {
  const Telegram t = parse_ok(telegram_file("emucs_fluvius_no_history.txt"));
  const CosemObject* history = t.find("0-0:98.1.0");
  ASSERT_NE(history, nullptr);
  ASSERT_EQ(history->entries.size(), 4u);
  // "632525252525W" is Fluvius' "no value": kept as text, no time.
  EXPECT_EQ(history->entries[0].peak_timestamp->text, "632525252525W");
  EXPECT_FALSE(history->entries[0].peak_timestamp->unix_ms.has_value());
  EXPECT_DOUBLE_EQ(history->entries[3].value, 4.927);
  const Reading r = to_reading(t, 0);
  EXPECT_DOUBLE_EQ(*r.month_peak_w, 3064.0);
  EXPECT_DOUBLE_EQ(*r.quarter_hour_average_w, 52.0);
  EXPECT_EQ(t.find("1-0:1.6.0")->timestamp->unix_ms, 1698921900000);
}

TEST(P1Telegram, CrcWithoutLeadingZeroAndLowerCase) {
  std::string text = telegram_file("heat_unpadded_crc.txt");
  Telegram t = parse_ok(text);
  EXPECT_EQ(t.crc_sent, 0x0B9F);
  EXPECT_EQ(t.crc_ok, true);
  const CosemObject* heat = t.find("0-1:24.2.1");
  EXPECT_DOUBLE_EQ(*heat->value, 240.860);
  EXPECT_EQ(heat->unit, "GJ");
  const Reading r = to_reading(t, 0);
  EXPECT_FALSE(r.gas_m3.has_value());  // device type 4 is heat
  EXPECT_FALSE(r.power_w.has_value());

  text.replace(text.find("!B9F"), 4, "!b9f");
  t = parse_ok(text);
  EXPECT_EQ(t.crc_ok, true);
}

TEST(P1Telegram, SpecExampleReportsItsCrcMismatch) {
  const std::string text = telegram_file("dsmr502_spec_example.txt");
  auto strict = parse_telegram(text);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().kind, common::ErrorKind::kCorruption);
  EXPECT_NE(strict.error().message.find("EF2F"), std::string::npos) << strict.error().message;
  EXPECT_NE(strict.error().message.find("E47C"), std::string::npos) << strict.error().message;

  const Telegram t = parse_ok(text, ParseOptions{false});
  EXPECT_EQ(t.crc_ok, false);
  EXPECT_EQ(t.crc_computed, 0xE47C);
  EXPECT_DOUBLE_EQ(*t.number("1-0:1.8.1"), 123456.789);
  const CosemObject* log = t.find("1-0:99.97.0");
  ASSERT_EQ(log->entries.size(), 2u);
  EXPECT_EQ(log->entries[0].timestamp.unix_ms, 1291818255000);  // 101208152415W
  EXPECT_DOUBLE_EQ(log->entries[0].value, 240.0);
  EXPECT_DOUBLE_EQ(log->entries[1].value, 301.0);
  // The same instant a Java P1 parser's test expects (epoch second 1291890300).
  EXPECT_EQ(t.find("0-1:24.2.1")->timestamp->unix_ms, 1291890300000);

  const Reading r = to_reading(t, 0);
  // Every phase exports more than it imports: 1.111-4.444, 2.222-5.555, 3.333-6.666 kW.
  EXPECT_NEAR(*r.phase_power_w[0], -3333.0, 1e-9);
  EXPECT_NEAR(*r.phase_power_w[1], -3333.0, 1e-9);
  EXPECT_DOUBLE_EQ(*r.phase_current_a[0], -1.0);
  EXPECT_DOUBLE_EQ(*r.phase_current_a[2], -3.0);
  EXPECT_DOUBLE_EQ(*r.phase_voltage_v[1], 220.2);
  EXPECT_DOUBLE_EQ(*r.power_w, 1193.0);
}

TEST(P1Telegram, DamagedCrc) {
  auto parsed = parse_telegram(telegram_file("bad_crc.txt"));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().kind, common::ErrorKind::kCorruption);
  EXPECT_NE(parsed.error().message.find("6EEE"), std::string::npos);
}

TEST(P1Telegram, Timestamps) {
  // DSMR 2.2/3 times without S/W follow the EU rule: 2016 summer time ran
  // from 27 March to 30 October.
  EXPECT_EQ(parse_timestamp("160707190000")->unix_ms, 1467910800000);
  EXPECT_EQ(parse_timestamp("160707190000")->iso, "2016-07-07T19:00:00+02:00");
  EXPECT_EQ(parse_timestamp("161107190000")->iso, "2016-11-07T19:00:00+01:00");
  EXPECT_EQ(parse_timestamp("160327013000")->iso, "2016-03-27T01:30:00+01:00");
  EXPECT_EQ(parse_timestamp("160327033000")->iso, "2016-03-27T03:30:00+02:00");
  EXPECT_FALSE(parse_timestamp("1607071900").has_value());
  EXPECT_FALSE(parse_timestamp("160707190000X").has_value());
  EXPECT_FALSE(parse_timestamp("160230120000W")->unix_ms.has_value());  // 30 February
  EXPECT_TRUE(parse_timestamp("160229120000W")->unix_ms.has_value());   // a leap year
}

TEST(P1Telegram, ErrorsNameTheLineAndTheReason) {
  const std::string good = "/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!\r\n";
  parse_ok(good);
  EXPECT_NE(parse_error("").find("empty"), std::string::npos);
  EXPECT_NE(parse_error(telegram_file("not_a_telegram.txt")).find("line 1: not a P1 telegram"),
            std::string::npos);
  EXPECT_NE(parse_error(telegram_file("truncated.txt")).find("end line"), std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(000001.000*kWh\r\n!\r\n")
                .find("line 3: 1-0:1.8.1: unclosed '('"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(1)\r\n1-0:1.8.1(2)\r\n!\r\n")
                .find("line 4: 1-0:1.8.1 appears twice (first on line 3)"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\nhello(1)\r\n!\r\n").find("line 3"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1\r\n!\r\n").find("has no value"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(1)x\r\n!\r\n").find("unexpected"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(\xff)\r\n!\r\n").find("0xFF"),
            std::string::npos);
  EXPECT_NE(parse_error(good + "1-0:1.8.2(1)\r\n").find("line 5: text after the end line"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(1)\r\n!12345\r\n")
                .find("more than 4 hex digits"),
            std::string::npos);
  EXPECT_NE(
      parse_error("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(1)\r\n!12G4\r\n").find("not hexadecimal"),
      std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)"
                        "(m3)\r\n!\r\n")
                .find("the register value is missing"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n1-0:99.97.0(2)(0-0:96.7.19)(101208152415W)"
                        "(0000000240*s)\r\n!\r\n")
                .find("says 2 failures but lists 1"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n0-0:1.0.0(hello)\r\n!\r\n").find("line 3"),
            std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n\r\n(1)\r\n!\r\n").find("no object before"),
            std::string::npos);
  EXPECT_NE(parse_error("/IS\r\n!\r\n").find("too short"), std::string::npos);
  EXPECT_NE(parse_error("/ISK5\\2M550T-1012\r\n" + std::string(9000, 'x') + "\r\n!\r\n")
                .find("more than the 8192"),
            std::string::npos);
}

TEST(P1Telegram, LineFeedsAndEasyMeterObisSuffix) {
  const Telegram t = parse_ok(
      "/ESY5Q3DA1004 V3.04\n\n1-0:1.8.0*255(00032549.5061662*kWh)\n"
      "1-0:21.7.0*255(000557.29*W)\n!\n");
  EXPECT_DOUBLE_EQ(*t.number("1-0:1.8.0"), 32549.5061662);
  const Reading r = to_reading(t, 0);
  EXPECT_NEAR(*r.energy_import_wh, 32549506.1662, 1e-6);  // total only: 1.8.0
  EXPECT_DOUBLE_EQ(*r.phase_power_w[0], 557.29);          // already in W
}

TEST(P1Telegram, EveryPrefixAndEveryFlippedByteIsAnErrorOrATelegram) {
  // Robustness, not values: no prefix or single-byte change may crash or throw.
  const std::string text = telegram_file("emucs_fluvius.txt");
  for (std::size_t n = 0; n <= text.size(); ++n) {
    (void)parse_telegram(text.substr(0, n));
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    for (char c : {'(', ')', '*', '!', '/', '\n', '0', 'S', ':'}) {
      std::string changed = text;
      changed[i] = c;
      (void)parse_telegram(changed, ParseOptions{false});
    }
  }
}

}  // namespace
}  // namespace kirchhoff::devices::p1
