"""Exact Kronecker GP log marginal likelihood + gradient in (l1, l2, noise) on an n x n grid of
[0, 1]^2 (squared-exponential kernel per axis, signal variance 1): the peers of
`pdekit-bench gp` (PEERS.md, "Exact Kronecker GP inference").

  --tool numpy     the exact algorithm in plain NumPy: per-axis eigh, rotated data, eigenvalue
                   sums, and for each length scale G = Q^T dK Q (written for this benchmark)
  --tool gpytorch  GPyTorch's Kronecker linear operator plus the noise diagonal,
                   inv_quad_logdet, then backward (float64, CPU)
Prints one JSON line: value, gradient, median seconds of --repeats.
"""
import argparse, json, math, statistics, sys, time
import numpy as np


def numpy_loglik_grad(y, l1, l2, noise):
    n1, n2 = y.shape
    x1, x2 = np.linspace(0, 1, n1), np.linspace(0, 1, n2)
    d1, d2 = (x1[:, None] - x1[None, :]) ** 2, (x2[:, None] - x2[None, :]) ** 2
    k1, k2 = np.exp(-d1 / (2 * l1 * l1)), np.exp(-d2 / (2 * l2 * l2))
    e1, q1 = np.linalg.eigh(k1)
    e2, q2 = np.linalg.eigh(k2)
    yt = q1.T @ y @ q2                      # data in the eigenbasis
    lam = np.outer(e1, e2)
    dd = lam + noise
    at = yt / dd                            # alpha in the eigenbasis
    ll = -0.5 * np.sum(yt * at) - 0.5 * np.sum(np.log(dd)) - 0.5 * y.size * math.log(2 * math.pi)
    g1m = q1.T @ ((k1 * d1 / l1 ** 3) @ q1)  # Q1^T dK1/dl1 Q1
    g2m = q2.T @ ((k2 * d2 / l2 ** 3) @ q2)
    g1 = 0.5 * np.sum(at * (g1m @ (at * e2[None, :]))) - 0.5 * np.sum(np.diag(g1m)[:, None] * e2[None, :] / dd)
    g2 = 0.5 * np.sum(at * ((at * e1[:, None]) @ g2m)) - 0.5 * np.sum(e1[:, None] * np.diag(g2m)[None, :] / dd)
    gn = 0.5 * np.sum(at * at) - 0.5 * np.sum(1 / dd)
    return ll, (g1, g2, gn)


def gpytorch_loglik_grad(y, l1, l2, noise):
    import torch, gpytorch
    from linear_operator.operators import KroneckerProductLinearOperator
    torch.set_default_dtype(torch.float64)
    n1, n2 = y.shape
    x1 = torch.linspace(0, 1, n1).unsqueeze(-1)
    x2 = torch.linspace(0, 1, n2).unsqueeze(-1)
    k1, k2 = gpytorch.kernels.RBFKernel(), gpytorch.kernels.RBFKernel()
    k1.lengthscale, k2.lengthscale = l1, l2
    s2 = torch.tensor(noise, requires_grad=True)
    yt = torch.as_tensor(y.reshape(-1))
    # GPyTorch's default settings, as PEERS.md measured them: the quadratic term by CG (default
    # tolerance) and the log-determinant by stochastic Lanczos quadrature, so its values are
    # approximate (report.py prints how far they are from the exact ones); forcing the exact
    # Cholesky route (fast_computations off) forms the N × N matrix: 34 GB at 256².
    kron = KroneckerProductLinearOperator(k1(x1), k2(x2))
    a = kron.add_diagonal(s2.expand(y.size))
    inv_quad, logdet = a.inv_quad_logdet(inv_quad_rhs=yt.unsqueeze(-1), logdet=True)
    ll = -0.5 * (inv_quad + logdet) - 0.5 * y.size * math.log(2 * math.pi)
    ll.backward()
    return ll.item(), (k1.raw_lengthscale.grad.item() / _softplus_slope(k1), k2.raw_lengthscale.grad.item() / _softplus_slope(k2),
                       s2.grad.item())


def _softplus_slope(kernel):
    # GPyTorch stores softplus(raw) = lengthscale: d/d lengthscale = d/d raw / sigmoid(raw).
    import torch
    return torch.sigmoid(kernel.raw_lengthscale).item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tool", choices=["numpy", "gpytorch"], required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--l1", type=float, default=0.05)
    p.add_argument("--l2", type=float, default=0.08)
    p.add_argument("--noise", type=float, default=0.1)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--label", default="gp")
    a = p.parse_args()
    y = np.load(a.data)
    f = numpy_loglik_grad if a.tool == "numpy" else gpytorch_loglik_grad
    if a.tool == "gpytorch":
        import torch, gpytorch
        torch.set_num_threads(2)
        version = f"GPyTorch {gpytorch.__version__}, torch {torch.__version__.split('+')[0]}, 2 threads"
    else:
        version = f"NumPy {np.__version__}"
    times = []
    for _ in range(a.repeats):
        t = time.perf_counter(); ll, g = f(y, a.l1, a.l2, a.noise); times.append(time.perf_counter() - t)
    print(json.dumps({"tool": a.tool, "version": version, "case": a.label, "n": y.shape[0], "seconds": statistics.median(times),
                      "log_likelihood": ll, "grad_l1": g[0], "grad_l2": g[1], "grad_noise": g[2]}))


if __name__ == "__main__":
    main()
