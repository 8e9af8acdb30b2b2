/*
 * anklet_protocol.h -- anklet firmware protocol v1, encoder side, header-only C99.
 *
 * The contract is PROTOCOL.md beside this file; golden bytes are in vectors.json and
 * conformance.c checks this header against them. Every multi-byte field is written
 * little-endian byte by byte, so the code is independent of the MCU's endianness and of
 * struct packing.
 *
 * GATT: service ANKLET_SERVICE_UUID with four characteristics
 *   data    (notify)        data packets, built with anklet_encode_data()
 *   control (write)         commands, parsed with anklet_decode_command()
 *   status  (read + notify) status / time-sync message, anklet_encode_status(),
 *                           notified every 1 s and whenever a field changes
 *   info    (read)          device info block, anklet_encode_info()
 *
 * Link parameters to request: 2M PHY, data length extension (LL payload 251 bytes),
 * ATT MTU 247, connection interval 15 ms (12 x 1.25 ms), peripheral latency 0,
 * supervision timeout 2 s.
 *
 * Batching rule for data packets: append samples to the pending packet and send it when
 *   - it holds ANKLET_MAX_SAMPLES_PER_PACKET (19) samples, or
 *   - its oldest sample is ANKLET_MAX_BATCH_AGE_US (20 ms) old (a build may choose less),
 * whichever comes first. At 100 Hz a packet carries 2 samples, at 200 Hz 4, at 500 Hz 10,
 * at 1000 Hz 19. tick_us is the sensor clock at the packet's FIRST sample; sample i of the
 * packet was taken at tick_us + i * 1e6 / sample_rate_hz. The sequence number goes up by one
 * per packet and wraps 65535 -> 0. Set clock_reset on the first packet after boot or any
 * restart of the microsecond clock, fifo_overflow on the first packet after samples were lost.
 * A change of rate or range starts a new packet.
 */
#ifndef ANKLET_PROTOCOL_H
#define ANKLET_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define ANKLET_PROTOCOL_VERSION 1u

#define ANKLET_SERVICE_UUID "a9e90001-8b5a-4c3e-9d3b-5f2a1c0e7a11"
#define ANKLET_DATA_UUID    "a9e90002-8b5a-4c3e-9d3b-5f2a1c0e7a11"
#define ANKLET_CONTROL_UUID "a9e90003-8b5a-4c3e-9d3b-5f2a1c0e7a11"
#define ANKLET_STATUS_UUID  "a9e90004-8b5a-4c3e-9d3b-5f2a1c0e7a11"
#define ANKLET_INFO_UUID    "a9e90005-8b5a-4c3e-9d3b-5f2a1c0e7a11"

#define ANKLET_HEADER_SIZE 12u
#define ANKLET_SAMPLE_SIZE 12u
#define ANKLET_MAX_SAMPLES_PER_PACKET 19u
#define ANKLET_DATA_MAX_SIZE (ANKLET_HEADER_SIZE + ANKLET_SAMPLE_SIZE * ANKLET_MAX_SAMPLES_PER_PACKET)
#define ANKLET_MAX_BATCH_AGE_US 20000u
#define ANKLET_MIN_RATE_HZ 10u
#define ANKLET_MAX_RATE_HZ 4000u

#define ANKLET_STATUS_SIZE 20u
#define ANKLET_STATUS_KIND 0x53u /* 'S' */
#define ANKLET_INFO_SIZE 34u
#define ANKLET_INFO_SERIAL_SIZE 16u
#define ANKLET_INFO_REVISION_SIZE 8u

/* Accelerometer range codes (flags bits 0-1): full scale +-2, 4, 8, 16 g. */
#define ANKLET_ACC_2G 0u
#define ANKLET_ACC_4G 1u
#define ANKLET_ACC_8G 2u
#define ANKLET_ACC_16G 3u
/* Gyroscope range codes (flags bits 2-4): full scale +-125 ... 2000 deg/s; 5-7 invalid. */
#define ANKLET_GYR_125DPS 0u
#define ANKLET_GYR_250DPS 1u
#define ANKLET_GYR_500DPS 2u
#define ANKLET_GYR_1000DPS 3u
#define ANKLET_GYR_2000DPS 4u

/* Data packet flags byte. Bit 7 is reserved and must be 0 in v1. */
#define ANKLET_FLAG_GYR_SHIFT 2u
#define ANKLET_FLAG_CLOCK_RESET 0x20u
#define ANKLET_FLAG_FIFO_OVERFLOW 0x40u

/* Status message flags byte. Bits 3-7 are reserved and must be 0 in v1. */
#define ANKLET_STATUS_CHARGING 0x01u
#define ANKLET_STATUS_STREAMING 0x02u
#define ANKLET_STATUS_LOW_BATTERY 0x04u
#define ANKLET_BATTERY_UNKNOWN 255u

/* Control opcodes (first byte of a write to the control characteristic). */
#define ANKLET_OP_START 0x01u      /* 1 byte */
#define ANKLET_OP_STOP 0x02u       /* 1 byte */
#define ANKLET_OP_SET_RATE 0x03u   /* 3 bytes: opcode, u16 rate in Hz */
#define ANKLET_OP_SET_RANGES 0x04u /* 3 bytes: opcode, u8 acc code, u8 gyr code */
#define ANKLET_OP_IDENTIFY 0x05u   /* 1 byte: blink the LED for 3 s */
#define ANKLET_OP_REBOOT 0x06u     /* 1 byte */

/* anklet_decode_command() results; the names match the host's ProtocolError reasons. */
#define ANKLET_OK 0
#define ANKLET_ERR_TRUNCATED (-1)
#define ANKLET_ERR_LENGTH_MISMATCH (-2)
#define ANKLET_ERR_BAD_OPCODE (-3)
#define ANKLET_ERR_BAD_RATE (-4)
#define ANKLET_ERR_BAD_RANGE (-5)

/* One sample in raw sensor counts, sensor frame. Full scale = +-32768 counts. */
typedef struct {
    int16_t acc[3]; /* x, y, z */
    int16_t gyr[3]; /* x, y, z */
} anklet_sample_t;

typedef struct {
    uint16_t sequence;       /* per packet, wraps 65535 -> 0 */
    uint32_t tick_us;        /* sensor clock at the first sample, us, wraps at 2^32 */
    uint16_t sample_rate_hz; /* 10..4000 */
    uint8_t acc_range_code;  /* ANKLET_ACC_* */
    uint8_t gyr_range_code;  /* ANKLET_GYR_* */
    uint8_t clock_reset;     /* nonzero: first packet since the clock restarted */
    uint8_t fifo_overflow;   /* nonzero: samples were dropped before this packet */
} anklet_data_header_t;

typedef struct {
    uint16_t last_sequence;         /* sequence of the last data packet sent */
    uint32_t tick_us;               /* sensor clock now, us: the time-sync point */
    uint16_t sample_rate_hz;        /* 10..4000 */
    uint8_t acc_range_code;         /* ANKLET_ACC_* */
    uint8_t gyr_range_code;         /* ANKLET_GYR_* */
    uint8_t battery_pct;            /* 0..100, or ANKLET_BATTERY_UNKNOWN */
    uint8_t flags;                  /* ANKLET_STATUS_* */
    int16_t temperature_centi_c;    /* 0.01 degC */
    uint32_t dropped_samples_total; /* samples lost to FIFO overflow since boot */
} anklet_status_t;

typedef struct {
    const char *serial;            /* printable ASCII, at most 16 characters */
    const char *hardware_revision; /* printable ASCII, at most 8 characters */
    const char *firmware_revision; /* printable ASCII, at most 8 characters */
} anklet_info_t;

typedef struct {
    uint8_t opcode;          /* ANKLET_OP_* */
    uint16_t sample_rate_hz; /* SET_RATE only */
    uint8_t acc_range_code;  /* SET_RANGES only */
    uint8_t gyr_range_code;  /* SET_RANGES only */
} anklet_command_t;

static inline void anklet_put_u16(uint8_t *out, uint16_t value)
{
    out[0] = (uint8_t)(value & 0xFFu);
    out[1] = (uint8_t)(value >> 8);
}

static inline void anklet_put_u32(uint8_t *out, uint32_t value)
{
    anklet_put_u16(out, (uint16_t)(value & 0xFFFFu));
    anklet_put_u16(out + 2, (uint16_t)(value >> 16));
}

static inline uint16_t anklet_get_u16(const uint8_t *in)
{
    return (uint16_t)(in[0] | (in[1] << 8));
}

static inline int anklet_rate_valid(uint16_t rate_hz)
{
    return rate_hz >= ANKLET_MIN_RATE_HZ && rate_hz <= ANKLET_MAX_RATE_HZ;
}

static inline int anklet_ranges_valid(uint8_t acc_code, uint8_t gyr_code)
{
    return acc_code <= ANKLET_ACC_16G && gyr_code <= ANKLET_GYR_2000DPS;
}

/* Write a data packet of n samples (1..19) into out. Returns its size (12 + 12 n), or 0 if
 * a field is invalid or out_size is too small. ANKLET_DATA_MAX_SIZE always suffices. */
static inline size_t anklet_encode_data(uint8_t *out, size_t out_size, const anklet_data_header_t *header,
                                        const anklet_sample_t *samples, size_t n)
{
    size_t size = ANKLET_HEADER_SIZE + ANKLET_SAMPLE_SIZE * n;
    size_t i, axis;
    uint8_t *sample_out;
    if (n < 1 || n > ANKLET_MAX_SAMPLES_PER_PACKET || out_size < size ||
        !anklet_rate_valid(header->sample_rate_hz) ||
        !anklet_ranges_valid(header->acc_range_code, header->gyr_range_code)) {
        return 0;
    }
    out[0] = ANKLET_PROTOCOL_VERSION;
    out[1] = (uint8_t)(header->acc_range_code | (header->gyr_range_code << ANKLET_FLAG_GYR_SHIFT) |
                       (header->clock_reset ? ANKLET_FLAG_CLOCK_RESET : 0u) |
                       (header->fifo_overflow ? ANKLET_FLAG_FIFO_OVERFLOW : 0u));
    anklet_put_u16(out + 2, header->sequence);
    anklet_put_u32(out + 4, header->tick_us);
    anklet_put_u16(out + 8, header->sample_rate_hz);
    out[10] = (uint8_t)n;
    out[11] = 0u;
    for (i = 0; i < n; i++) {
        sample_out = out + ANKLET_HEADER_SIZE + ANKLET_SAMPLE_SIZE * i;
        for (axis = 0; axis < 3; axis++) {
            anklet_put_u16(sample_out + 2 * axis, (uint16_t)samples[i].acc[axis]);
            anklet_put_u16(sample_out + 6 + 2 * axis, (uint16_t)samples[i].gyr[axis]);
        }
    }
    return size;
}

/* Write the 20-byte status message. Returns 20, or 0 if a field is invalid or out is small. */
static inline size_t anklet_encode_status(uint8_t *out, size_t out_size, const anklet_status_t *status)
{
    if (out_size < ANKLET_STATUS_SIZE || !anklet_rate_valid(status->sample_rate_hz) ||
        !anklet_ranges_valid(status->acc_range_code, status->gyr_range_code) ||
        (status->battery_pct > 100u && status->battery_pct != ANKLET_BATTERY_UNKNOWN) ||
        (status->flags & ~(ANKLET_STATUS_CHARGING | ANKLET_STATUS_STREAMING | ANKLET_STATUS_LOW_BATTERY))) {
        return 0;
    }
    out[0] = ANKLET_PROTOCOL_VERSION;
    out[1] = ANKLET_STATUS_KIND;
    anklet_put_u16(out + 2, status->last_sequence);
    anklet_put_u32(out + 4, status->tick_us);
    anklet_put_u16(out + 8, status->sample_rate_hz);
    out[10] = status->acc_range_code;
    out[11] = status->gyr_range_code;
    out[12] = status->battery_pct;
    out[13] = status->flags;
    anklet_put_u16(out + 14, (uint16_t)status->temperature_centi_c);
    anklet_put_u32(out + 16, status->dropped_samples_total);
    return ANKLET_STATUS_SIZE;
}

/* Copy text into a NUL-padded field of size bytes. Returns 0 if too long or not printable. */
static inline int anklet_put_text(uint8_t *out, const char *text, size_t size)
{
    size_t i = 0;
    for (; text[i] != '\0'; i++) {
        if (i == size || text[i] < 0x20 || text[i] > 0x7E) {
            return 0;
        }
        out[i] = (uint8_t)text[i];
    }
    for (; i < size; i++) {
        out[i] = 0u;
    }
    return 1;
}

/* Write the 34-byte info block. Returns 34, or 0 if a text is invalid or out is small. */
static inline size_t anklet_encode_info(uint8_t *out, size_t out_size, const anklet_info_t *info)
{
    if (out_size < ANKLET_INFO_SIZE) {
        return 0;
    }
    out[0] = ANKLET_PROTOCOL_VERSION;
    out[1] = 0u;
    if (!anklet_put_text(out + 2, info->serial, ANKLET_INFO_SERIAL_SIZE) ||
        !anklet_put_text(out + 18, info->hardware_revision, ANKLET_INFO_REVISION_SIZE) ||
        !anklet_put_text(out + 26, info->firmware_revision, ANKLET_INFO_REVISION_SIZE)) {
        return 0;
    }
    return ANKLET_INFO_SIZE;
}

/* Parse a write to the control characteristic. Returns ANKLET_OK or an ANKLET_ERR_*. */
static inline int anklet_decode_command(const uint8_t *in, size_t len, anklet_command_t *command)
{
    size_t expected;
    if (len == 0) {
        return ANKLET_ERR_TRUNCATED;
    }
    if (in[0] < ANKLET_OP_START || in[0] > ANKLET_OP_REBOOT) {
        return ANKLET_ERR_BAD_OPCODE;
    }
    expected = (in[0] == ANKLET_OP_SET_RATE || in[0] == ANKLET_OP_SET_RANGES) ? 3u : 1u;
    if (len != expected) {
        return len < expected ? ANKLET_ERR_TRUNCATED : ANKLET_ERR_LENGTH_MISMATCH;
    }
    command->opcode = in[0];
    command->sample_rate_hz = 0u;
    command->acc_range_code = 0u;
    command->gyr_range_code = 0u;
    if (in[0] == ANKLET_OP_SET_RATE) {
        command->sample_rate_hz = anklet_get_u16(in + 1);
        if (!anklet_rate_valid(command->sample_rate_hz)) {
            return ANKLET_ERR_BAD_RATE;
        }
    } else if (in[0] == ANKLET_OP_SET_RANGES) {
        command->acc_range_code = in[1];
        command->gyr_range_code = in[2];
        if (!anklet_ranges_valid(in[1], in[2])) {
            return ANKLET_ERR_BAD_RANGE;
        }
    }
    return ANKLET_OK;
}

#endif /* ANKLET_PROTOCOL_H */
