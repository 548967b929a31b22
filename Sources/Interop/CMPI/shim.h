// CMPI: Open MPI for Swift. Swift cannot import MPI's handle macros (they expand to addresses of
// structures), so each one used by MPIKit gets one `static inline` accessor here. Nothing else.
#ifndef CMPI_SHIM_H
#define CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm CMPI_COMM_WORLD(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm CMPI_COMM_NULL(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype CMPI_DOUBLE(void) { return MPI_DOUBLE; }
static inline MPI_Datatype CMPI_INT64(void) { return MPI_INT64_T; }
static inline MPI_Datatype CMPI_INT32(void) { return MPI_INT; }
static inline MPI_Datatype CMPI_BYTE(void) { return MPI_BYTE; }
static inline MPI_Op CMPI_SUM(void) { return MPI_SUM; }
static inline MPI_Op CMPI_MAX(void) { return MPI_MAX; }
static inline MPI_Op CMPI_MIN(void) { return MPI_MIN; }
static inline MPI_Status *CMPI_STATUS_IGNORE(void) { return MPI_STATUS_IGNORE; }
static inline void *CMPI_IN_PLACE(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler CMPI_ERRORS_RETURN(void) { return MPI_ERRORS_RETURN; }

#endif
