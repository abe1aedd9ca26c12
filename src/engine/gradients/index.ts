// Importing this module registers every gradient rule.
import './elementwise_grad.js';
import './activation_grad.js';
import './matmul_grad.js';
import './reduce_grad.js';
import './shape_grad.js';
import './logsumexp_grad.js';
