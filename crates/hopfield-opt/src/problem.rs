//! The `Problem` trait: the neuron array, couplings and biases, decoding, objective, feasibility.
