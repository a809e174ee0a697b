"""GPyTorch's KISS-GP, the peer of pdekit's scattered-point Gaussian processes
(bench/gp_scattered_bench.py): ScaleKernel(GridInterpolationKernel(RBFKernel(ARD), grid_size =
M per axis)), a Gaussian likelihood, an ExactGP with a constant mean, CPU, 2 threads, GPyTorch's
default settings (CG, stochastic Lanczos quadrature, its preconditioner) and its default
float32 (--dtype float64 for double; at 10⁵ points on a 316² grid that ran out of this
machine's 24 GB).

  --mode evaluation   the negative marginal log likelihood and its backward pass at fixed
                      hyperparameters (length scale, signal variance 1, noise): the work of one
                      training step; median seconds of --repeats after one warm-up
  --mode train        Adam (learning rate 0.1, GPyTorch's KISS-GP tutorial) for --iterations
                      steps from length scale 0.2, noise 0.1, then the posterior mean at the
                      test points (fast_pred_var); seconds and held-out RMSE

Prints one JSON line.
"""
import argparse, json, statistics, time
import numpy as np
import torch
import gpytorch


class KissGP(gpytorch.models.ExactGP):
    def __init__(self, x, y, likelihood, grid_size):
        super().__init__(x, y, likelihood)
        d = x.shape[1]
        self.mean_module = gpytorch.means.ConstantMean()
        self.covar_module = gpytorch.kernels.ScaleKernel(
            gpytorch.kernels.GridInterpolationKernel(gpytorch.kernels.RBFKernel(ard_num_dims=d), grid_size=grid_size, num_dims=d))

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--points", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--grid", type=int, required=True)
    p.add_argument("--mode", choices=["evaluation", "train"], required=True)
    p.add_argument("--lengthscale", type=float, default=0.2)
    p.add_argument("--noise", type=float, default=0.01)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--test-points")
    p.add_argument("--test-data")
    p.add_argument("--label", default="gp_ski")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    a = p.parse_args()
    torch.set_default_dtype(getattr(torch, a.dtype))
    torch.set_num_threads(2)
    x = torch.as_tensor(np.load(a.points)).to(torch.get_default_dtype())
    if x.dim() == 1:
        x = x.unsqueeze(-1)
    y = torch.as_tensor(np.load(a.data)).to(torch.get_default_dtype())
    likelihood = gpytorch.likelihoods.GaussianLikelihood()
    model = KissGP(x, y, likelihood, a.grid)
    model.covar_module.base_kernel.base_kernel.lengthscale = a.lengthscale
    model.covar_module.outputscale = 1.0
    model.mean_module.constant.data.fill_(float(y.mean()))
    likelihood.noise = a.noise if a.mode == "evaluation" else 0.1
    model.train(); likelihood.train()
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
    version = f"GPyTorch {gpytorch.__version__}, torch {torch.__version__.split('+')[0]}, {a.dtype}, 2 threads"
    record = dict(tool="gpytorch", version=version, case=a.label, n=int(x.shape[0]), dim=int(x.shape[1]), grid=a.grid)
    if a.mode == "evaluation":
        def once():
            model.zero_grad()
            loss = -mll(model(x), y) * x.shape[0]
            loss.backward()
            return loss.item()
        once()
        times, value = [], None
        for _ in range(a.repeats):
            t = time.perf_counter()
            value = once()
            times.append(time.perf_counter() - t)
        record.update(seconds=statistics.median(times), log_likelihood=-value)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
        t = time.perf_counter()
        for _ in range(a.iterations):
            optimizer.zero_grad()
            loss = -mll(model(x), y)
            loss.backward()
            optimizer.step()
        model.eval(); likelihood.eval()
        xt = torch.as_tensor(np.load(a.test_points)).to(torch.get_default_dtype())
        if xt.dim() == 1:
            xt = xt.unsqueeze(-1)
        with torch.no_grad(), gpytorch.settings.fast_pred_var():
            mean = likelihood(model(xt)).mean.numpy()
        seconds = time.perf_counter() - t
        yt = np.load(a.test_data)
        record.update(seconds=seconds, test_rmse=float(np.sqrt(np.mean((mean - yt) ** 2))), iterations=a.iterations,
                      noise=float(likelihood.noise.item()), lengthscales=model.covar_module.base_kernel.base_kernel.lengthscale.tolist()[0])
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
