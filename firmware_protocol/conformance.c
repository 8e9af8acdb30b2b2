/*
 * conformance.c -- runs anklet_protocol.h on test vectors given one per line on stdin and
 * prints one result line per vector on stdout. tests/protocol/test_conformance.py builds the
 * input from vectors.json and compares the output with the golden bytes.
 *
 * Input lines (whitespace separated; "-" stands for an empty text):
 *   data NAME seq tick_us rate acc_code gyr_code clock_reset fifo_overflow n  ax ay az gx gy gz ...
 *   status NAME last_seq tick_us rate acc_code gyr_code battery flags temp_centi_c dropped
 *   info NAME serial hardware_revision firmware_revision
 *   command NAME HEX
 * Output lines:
 *   NAME HEX                               encoders: the bytes; "NAME invalid" if refused
 *   NAME opcode rate acc_code gyr_code     command: the parsed fields
 *   NAME error CODE                        command: the ANKLET_ERR_* value
 *
 * Build: cc -std=c99 -Wall -Wextra -Werror -pedantic -I. conformance.c -o conformance
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anklet_protocol.h"

#define MAX_LINE 8192
#define MAX_TOKENS (16 + 6 * ANKLET_MAX_SAMPLES_PER_PACKET)

static long number(const char *token)
{
    return strtol(token, NULL, 10);
}

static const char *text(const char *token)
{
    return strcmp(token, "-") == 0 ? "" : token;
}

static void print_bytes(const char *name, const uint8_t *bytes, size_t size)
{
    size_t i;
    printf("%s ", name);
    if (size == 0) {
        printf("invalid");
    }
    for (i = 0; i < size; i++) {
        printf("%02x", bytes[i]);
    }
    printf("\n");
}

static void run_data(char **tokens, size_t count)
{
    anklet_data_header_t header;
    anklet_sample_t samples[ANKLET_MAX_SAMPLES_PER_PACKET];
    uint8_t out[ANKLET_DATA_MAX_SIZE];
    size_t n = (size_t)number(tokens[9]);
    size_t i, axis;
    if (n > ANKLET_MAX_SAMPLES_PER_PACKET || count != 10 + 6 * n) {
        fprintf(stderr, "conformance: %s: expected %lu sample values\n", tokens[1], (unsigned long)(6 * n));
        exit(2);
    }
    header.sequence = (uint16_t)number(tokens[2]);
    header.tick_us = (uint32_t)strtoul(tokens[3], NULL, 10);
    header.sample_rate_hz = (uint16_t)number(tokens[4]);
    header.acc_range_code = (uint8_t)number(tokens[5]);
    header.gyr_range_code = (uint8_t)number(tokens[6]);
    header.clock_reset = (uint8_t)number(tokens[7]);
    header.fifo_overflow = (uint8_t)number(tokens[8]);
    for (i = 0; i < n; i++) {
        for (axis = 0; axis < 3; axis++) {
            samples[i].acc[axis] = (int16_t)number(tokens[10 + 6 * i + axis]);
            samples[i].gyr[axis] = (int16_t)number(tokens[13 + 6 * i + axis]);
        }
    }
    print_bytes(tokens[1], out, anklet_encode_data(out, sizeof out, &header, samples, n));
}

static void run_status(char **tokens)
{
    anklet_status_t status;
    uint8_t out[ANKLET_STATUS_SIZE];
    status.last_sequence = (uint16_t)number(tokens[2]);
    status.tick_us = (uint32_t)strtoul(tokens[3], NULL, 10);
    status.sample_rate_hz = (uint16_t)number(tokens[4]);
    status.acc_range_code = (uint8_t)number(tokens[5]);
    status.gyr_range_code = (uint8_t)number(tokens[6]);
    status.battery_pct = (uint8_t)number(tokens[7]);
    status.flags = (uint8_t)number(tokens[8]);
    status.temperature_centi_c = (int16_t)number(tokens[9]);
    status.dropped_samples_total = (uint32_t)strtoul(tokens[10], NULL, 10);
    print_bytes(tokens[1], out, anklet_encode_status(out, sizeof out, &status));
}

static void run_info(char **tokens)
{
    anklet_info_t info;
    uint8_t out[ANKLET_INFO_SIZE];
    info.serial = text(tokens[2]);
    info.hardware_revision = text(tokens[3]);
    info.firmware_revision = text(tokens[4]);
    print_bytes(tokens[1], out, anklet_encode_info(out, sizeof out, &info));
}

static void run_command(char **tokens, size_t count)
{
    uint8_t in[64];
    size_t len = 0;
    anklet_command_t command;
    int result;
    const char *hex = count > 2 ? text(tokens[2]) : "";
    unsigned int byte;
    while (len < sizeof in && sscanf(hex + 2 * len, "%2x", &byte) == 1) {
        in[len++] = (uint8_t)byte;
    }
    result = anklet_decode_command(in, len, &command);
    if (result != ANKLET_OK) {
        printf("%s error %d\n", tokens[1], result);
        return;
    }
    printf("%s %u %u %u %u\n", tokens[1], (unsigned)command.opcode, (unsigned)command.sample_rate_hz,
           (unsigned)command.acc_range_code, (unsigned)command.gyr_range_code);
}

int main(void)
{
    static char line[MAX_LINE];
    char *tokens[MAX_TOKENS];
    size_t count;
    while (fgets(line, sizeof line, stdin) != NULL) {
        count = 0;
        for (tokens[count] = strtok(line, " \t\r\n"); tokens[count] != NULL && count + 1 < MAX_TOKENS;
             tokens[count] = strtok(NULL, " \t\r\n")) {
            count++;
        }
        if (count < 2) {
            continue;
        }
        if (strcmp(tokens[0], "data") == 0 && count >= 10) {
            run_data(tokens, count);
        } else if (strcmp(tokens[0], "status") == 0 && count == 11) {
            run_status(tokens);
        } else if (strcmp(tokens[0], "info") == 0 && count == 5) {
            run_info(tokens);
        } else if (strcmp(tokens[0], "command") == 0) {
            run_command(tokens, count);
        } else {
            fprintf(stderr, "conformance: cannot read line starting %s %s\n", tokens[0], tokens[1]);
            return 2;
        }
    }
    return 0;
}
