/* fastmath: a few integer routines in C, exposed to Python. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static unsigned long long gcd_u64(unsigned long long a, unsigned long long b) {
    while (b) { unsigned long long t = a % b; a = b; b = t; }
    return a;
}

static PyObject *fm_gcd(PyObject *self, PyObject *args) {
    unsigned long long a, b;
    if (!PyArg_ParseTuple(args, "KK", &a, &b)) return NULL;
    return PyLong_FromUnsignedLongLong(gcd_u64(a, b));
}

/* n-th Fibonacci number modulo m, by fast doubling. */
static PyObject *fm_fibmod(PyObject *self, PyObject *args) {
    unsigned long long n, m;
    if (!PyArg_ParseTuple(args, "KK", &n, &m)) return NULL;
    if (m == 0) { PyErr_SetString(PyExc_ZeroDivisionError, "modulus is zero"); return NULL; }
    unsigned __int128 a = 0, b = 1; /* F(k), F(k+1) */
    for (int bit = 63; bit >= 0; bit--) {
        unsigned __int128 c = (a * ((2 * b + m - a) % m)) % m;
        unsigned __int128 d = (a * a + b * b) % m;
        if ((n >> bit) & 1) { a = d; b = (c + d) % m; } else { a = c; b = d; }
    }
    return PyLong_FromUnsignedLongLong((unsigned long long)a);
}

static PyObject *fm_isprime(PyObject *self, PyObject *args) {
    unsigned long long n;
    if (!PyArg_ParseTuple(args, "K", &n)) return NULL;
    if (n < 2) Py_RETURN_FALSE;
    for (unsigned long long d = 2; d * d <= n; d++)
        if (n % d == 0) Py_RETURN_FALSE;
    Py_RETURN_TRUE;
}

static PyMethodDef methods[] = {
    {"gcd", fm_gcd, METH_VARARGS, "Greatest common divisor of two unsigned integers."},
    {"fibmod", fm_fibmod, METH_VARARGS, "fibmod(n, m): the n-th Fibonacci number modulo m."},
    {"isprime", fm_isprime, METH_VARARGS, "Trial-division primality test."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "fastmath", "Integer routines in C.", -1, methods};

PyMODINIT_FUNC PyInit_fastmath(void) { return PyModule_Create(&module); }
