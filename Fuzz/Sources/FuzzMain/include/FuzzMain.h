// See FuzzMain.c.
