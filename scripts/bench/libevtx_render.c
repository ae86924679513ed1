/*
 * bench_libevtx_render: the libevtx side of scripts/bench_reader.sh.
 *
 * Opens each EVTX file given on the command line with Debian's libevtx and
 * renders the XML of every record through its API
 * (libevtx_record_get_utf8_xml_string_size + libevtx_record_get_utf8_xml_string),
 * writing the XML to stdout, one record after another. Unlike evtxexport,
 * which abandons a file at its first damaged record, a record that cannot be
 * fetched or rendered is counted and skipped, and the next one is tried.
 *
 * stderr gets one summary line per file:
 *   FILE: records N read M failed K
 * (N is libevtx's own record count; read + failed == N).
 *
 * Exit codes: 0 every file opened (damaged records do not count as failure),
 * 1 a file could not be opened, 2 usage.
 */
#include <libevtx.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_error(const char* what, const char* path, libevtx_error_t** error) {
  char message[1024];

  message[0] = '\0';
  if (error != NULL && *error != NULL) {
    libevtx_error_sprint(*error, message, sizeof(message));
    libevtx_error_free(error);
  }
  fprintf(stderr, "bench_libevtx_render: %s: %s: %s\n", path, what, message);
}

/* Renders one record's XML into *buffer (grown as needed) and writes it to
 * stdout. Returns 1 on success, 0 if libevtx could not render the record,
 * -1 if writing to stdout failed. */
static int render_record(libevtx_record_t* record, uint8_t** buffer, size_t* capacity) {
  libevtx_error_t* error = NULL;
  size_t size = 0;

  if (libevtx_record_get_utf8_xml_string_size(record, &size, &error) != 1 || size == 0) {
    libevtx_error_free(&error);
    return 0;
  }
  if (size > *capacity) {
    size_t grown = *capacity ? *capacity : 4096;
    while (grown < size) grown *= 2;
    uint8_t* bigger = realloc(*buffer, grown);
    if (bigger == NULL) {
      fprintf(stderr, "bench_libevtx_render: out of memory\n");
      exit(1);
    }
    *buffer = bigger;
    *capacity = grown;
  }
  if (libevtx_record_get_utf8_xml_string(record, *buffer, size, &error) != 1) {
    libevtx_error_free(&error);
    return 0;
  }
  /* size counts the terminating NUL; the string may be shorter. */
  size_t length = strnlen((const char*)*buffer, size);
  if (fwrite(*buffer, 1, length, stdout) != length) return -1;
  return 1;
}

static int render_file(const char* path, uint8_t** buffer, size_t* capacity) {
  libevtx_file_t* file = NULL;
  libevtx_error_t* error = NULL;
  int records = 0;
  long rendered_ok = 0;
  long failed = 0;

  if (libevtx_file_initialize(&file, &error) != 1) {
    print_error("cannot initialize libevtx", path, &error);
    return 1;
  }
  if (libevtx_file_open(file, path, LIBEVTX_OPEN_READ, &error) != 1) {
    print_error("cannot open", path, &error);
    libevtx_file_free(&file, NULL);
    return 1;
  }
  if (libevtx_file_get_number_of_records(file, &records, &error) != 1) {
    print_error("cannot count records", path, &error);
    records = 0;
  }
  for (int i = 0; i < records; ++i) {
    libevtx_record_t* record = NULL;

    if (libevtx_file_get_record_by_index(file, i, &record, &error) != 1) {
      libevtx_error_free(&error);
      ++failed;
      continue;
    }
    int rendered = render_record(record, buffer, capacity);
    libevtx_record_free(&record, NULL);
    if (rendered < 0) {
      fprintf(stderr, "bench_libevtx_render: write error on stdout\n");
      libevtx_file_close(file, NULL);
      libevtx_file_free(&file, NULL);
      return 1;
    }
    if (rendered)
      ++rendered_ok;
    else
      ++failed;
  }
  libevtx_file_close(file, NULL);
  libevtx_file_free(&file, NULL);
  fprintf(stderr, "%s: records %d read %ld failed %ld\n", path, records, rendered_ok, failed);
  return 0;
}

int main(int argc, char** argv) {
  static char out_buffer[1 << 20];
  uint8_t* buffer = NULL;
  size_t capacity = 0;
  int status = 0;

  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr,
            "usage: %s FILE.evtx...\n"
            "Writes the XML of every record libevtx can render to stdout;\n"
            "per-file counts of records read / failed go to stderr.\n",
            argv[0]);
    return 2;
  }
  setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
  for (int i = 1; i < argc; ++i)
    if (render_file(argv[i], &buffer, &capacity) != 0) status = 1;
  if (fflush(stdout) != 0) {
    fprintf(stderr, "bench_libevtx_render: write error on stdout\n");
    status = 1;
  }
  free(buffer);
  return status;
}
