/*
 * PAMmodule.c
 *
 * Python bindings for PAM (Pluggable Authentication Modules).
 * Copyright (C) 1999 Rob Riggs <rob@pangalactic.org>
 * Licensed under the GNU LGPL version 2.1 or later.
 */

#include <Python.h>
#include <security/pam_appl.h>

typedef struct {
    PyObject_HEAD
    pam_handle_t *pamh;
    char *service;
    char *user;
} PyPAMObject;

static PyObject *PyPAM_Error;

static void PyPAM_dealloc(PyPAMObject *self)
{
    free(self->service);
    free(self->user);
    PyObject_Del(self);
}

static PyObject *PyPAM_authenticate(PyPAMObject *self, PyObject *args)
{
    int result, flags = 0;

    if (!PyArg_ParseTuple(args, "|i", &flags))
        return NULL;

    result = pam_authenticate(self->pamh, flags);
    if (result != PAM_SUCCESS) {
        PyErr_SetString(PyPAM_Error, pam_strerror(self->pamh, result));
    }

    Py_INCREF(Py_None);
    return Py_None;
}

static PyMethodDef PyPAMObject_Methods[] = {
    {"authenticate", (PyCFunction)PyPAM_authenticate, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

void initPAM(void)
{
    PyObject *m = Py_InitModule("PAM", PyPAMObject_Methods);
    PyPAM_Error = PyErr_NewException("PAM.error", NULL, NULL);
    PyModule_AddObject(m, "error", PyPAM_Error);
}
