/* Mean of a sequence of numbers, in C: the extension this example needs gcc for. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *mean(PyObject *self, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "mean() expects a sequence");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n == 0) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "mean() of an empty sequence");
        return NULL;
    }
    double total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        double x = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
        if (x == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return NULL;
        }
        total += x;
    }
    Py_DECREF(seq);
    return PyFloat_FromDouble(total / n);
}

static PyMethodDef methods[] = {
    {"mean", mean, METH_O, "Arithmetic mean of a sequence of numbers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "faststats", NULL, -1, methods};

PyMODINIT_FUNC PyInit_faststats(void) { return PyModule_Create(&module); }
