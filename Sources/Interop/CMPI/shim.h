// CMPI: MPI (Open MPI or the MPICH family) for Swift. Swift cannot import MPI's handle macros:
// Open MPI's expand to addresses of structures (`&ompi_mpi_comm_world`), MPICH's to integer
// constants (`(MPI_Comm)0x44000000`). Each one MPIKit uses gets one `static inline` accessor here,
// so nothing above this header depends on a handle's type. The library to link comes from
// pkg-config (`ompi` or `mpich`, chosen in Package.swift), so the module map names none.
#ifndef CMPI_SHIM_H
#define CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm CMPI_COMM_WORLD(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype CMPI_DOUBLE(void) { return MPI_DOUBLE; }
static inline MPI_Datatype CMPI_INT64(void) { return MPI_INT64_T; }
static inline MPI_Datatype CMPI_INT32(void) { return MPI_INT; }
static inline MPI_Datatype CMPI_BYTE(void) { return MPI_BYTE; }
static inline MPI_Op CMPI_SUM(void) { return MPI_SUM; }
static inline MPI_Op CMPI_MAX(void) { return MPI_MAX; }
static inline MPI_Status *CMPI_STATUS_IGNORE(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler CMPI_ERRORS_RETURN(void) { return MPI_ERRORS_RETURN; }
static inline int CMPI_THREAD_LEVEL(int i) {
    switch (i) {
    case 0: return MPI_THREAD_SINGLE;
    case 1: return MPI_THREAD_FUNNELED;
    case 2: return MPI_THREAD_SERIALIZED;
    default: return MPI_THREAD_MULTIPLE;
    }
}

// The MPI implementation whose mpi.h this binary was compiled against (a compile-time fact; the
// library loaded at run time reports itself through MPI_Get_library_version).
#define CMPI_STR_(x) #x
#define CMPI_STR(x) CMPI_STR_(x)
static inline const char *CMPI_BUILD_FAMILY(void) {
#if defined(OMPI_MAJOR_VERSION)
    return "openmpi";
#elif defined(MPICH_VERSION)
    return "mpich";
#else
    return "unknown";
#endif
}
static inline const char *CMPI_BUILD_DESCRIPTION(void) {
#if defined(OMPI_MAJOR_VERSION)
    return "Open MPI " CMPI_STR(OMPI_MAJOR_VERSION) "." CMPI_STR(OMPI_MINOR_VERSION) "." CMPI_STR(OMPI_RELEASE_VERSION);
#elif defined(I_MPI_VERSION)
    return "Intel MPI " I_MPI_VERSION " (MPICH ABI, MPICH " MPICH_VERSION ")";
#elif defined(MVAPICH2_VERSION)
    return "MVAPICH2 " MVAPICH2_VERSION " (MPICH ABI, MPICH " MPICH_VERSION ")";
#elif defined(MPICH_VERSION)
    return "MPICH " MPICH_VERSION;
#else
    return "unknown MPI";
#endif
}

#endif
