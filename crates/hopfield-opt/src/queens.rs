//! N-Queens: the n × n array with row, column and diagonal penalties.
