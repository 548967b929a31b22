// COpenBLAS: CBLAS from OpenBLAS, plus prototypes for the LAPACK Fortran symbols this OpenBLAS
// build exports without a LAPACKE header (column-major, all arguments by pointer, hidden
// trailing string lengths). Nothing else.
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <stddef.h>
#include <cblas.h>

void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t range_len, size_t uplo_len);

void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);

#endif
