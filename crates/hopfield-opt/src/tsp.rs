//! TSP: the Hopfield–Tank penalty encoding on the city × position 0/1 array.
