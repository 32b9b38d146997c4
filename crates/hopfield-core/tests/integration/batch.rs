//! The batched engine against the plain dynamics: same final states, terminations, steps and
//! flips for every schedule, tie rule, encoding and precision.

use hopfield_core::nalgebra::DMatrix;
use hopfield_core::{
    BatchForm, BatchPlan, Couplings, Dense, DiagonalPolicy, Dynamics, Encoding, Executor,
    HopfieldRng, LowRank, Network, NoObserver, Precision, RunConfig, RunReport, Schedule, Sparse,
    State, TieRule, derive_seed, rng_from_seed,
};
use proptest::prelude::*;

use crate::common::{Case, ENCODINGS, TIES, integer_case, real_case};

const SCHEDULES: [Schedule; 4] = [
    Schedule::RandomNeuron,
    Schedule::RandomSweep,
    Schedule::FixedOrder,
    Schedule::Synchronous,
];

/// Start states: the case's own and a few derived from its seed.
fn starts(case: &Case, encoding: Encoding, extra: usize) -> Vec<State> {
    let mut out = vec![case.state(encoding)];
    for k in 0..extra {
        let mut rng = rng_from_seed(derive_seed(case.seed, &[k as u64]));
        out.push(State::random(encoding, case.n, &mut rng));
    }
    out
}

fn limits(n: usize) -> [u64; 3] {
    [1, 3, 60 * n as u64 + 10]
}

/// Runs `states` through the plan and one by one through `Dynamics`; asserts they agree.
fn check_same<C: Couplings, D: Couplings>(
    plan: &BatchPlan<'_, C>,
    reference: &Network<D>,
    states: &[State],
    tie: TieRule,
    config: &RunConfig,
    seed: u64,
) -> Result<(), TestCaseError> {
    let rng_for = |p: usize| rng_from_seed(derive_seed(seed, &[p as u64]));
    let mut batch_states = states.to_vec();
    let mut rngs: Vec<HopfieldRng> = (0..states.len()).map(rng_for).collect();
    let reports = plan.run(&mut batch_states, &mut rngs, tie, config).unwrap();
    prop_assert_eq!(reports.len(), states.len());
    for (p, start) in states.iter().enumerate() {
        let mut rng = rng_for(p);
        let mut dynamics = Dynamics::new(reference, start.clone(), tie).unwrap();
        let expected: RunReport = dynamics.run(config, &mut rng, &mut NoObserver);
        let got = reports[p];
        prop_assert_eq!(
            (got.termination, got.steps, got.flips),
            (expected.termination, expected.steps, expected.flips),
            "state {} with {:?}, {:?}, precision {:?}",
            p,
            config,
            tie,
            plan.precision()
        );
        prop_assert_eq!(&batch_states[p], dynamics.state());
        let scale = expected.energy.abs().max(1.0);
        prop_assert!(
            (got.energy - expected.energy).abs() <= 1e-9 * scale,
            "energy {} vs {}",
            got.energy,
            expected.energy
        );
        // The RNG is left where the plain run leaves it.
        prop_assert_eq!(&rngs[p], &rng);
    }
    // A state's result does not depend on the batch it runs in (so neither on threads).
    if states.len() > 1 {
        let p = states.len() - 1;
        let mut alone = vec![states[p].clone()];
        let mut rng = vec![rng_for(p)];
        let report = plan.run(&mut alone, &mut rng, tie, config).unwrap();
        prop_assert_eq!(&alone[0], &batch_states[p]);
        prop_assert_eq!(report[0].steps, reports[p].steps);
    }
    Ok(())
}

fn check_all<C: Couplings, D: Couplings>(
    plan: &BatchPlan<'_, C>,
    reference: &Network<D>,
    states: &[State],
    seed: u64,
) -> Result<(), TestCaseError> {
    for tie in TIES {
        for schedule in SCHEDULES {
            for max_steps in limits(reference.n()) {
                let config = RunConfig {
                    schedule,
                    max_steps,
                };
                check_same(plan, reference, states, tie, &config, seed)?;
            }
        }
    }
    Ok(())
}

/// ±1 patterns as an `N × M` matrix.
fn pattern_matrix(n: usize, m: usize, seed: u64) -> DMatrix<f64> {
    let mut rng = rng_from_seed(seed);
    let mut x = DMatrix::zeros(n, m);
    for u in 0..m {
        let s = State::random(Encoding::Bipolar, n, &mut rng);
        x.set_column(
            u,
            &hopfield_core::nalgebra::DVector::from_column_slice(s.as_slice()),
        );
    }
    x
}

proptest! {
    #![proptest_config(hopfield_testkit::proptest_config(48))]

    /// Integer weights and biases: the exact `f32` kernel, bit for bit the plain dynamics,
    /// ties included; also through `Dense<f32>` storage.
    #[test]
    fn exact_dense_kernel_equals_dynamics(case in integer_case()) {
        for encoding in ENCODINGS {
            let net = case.network(encoding);
            let plan = BatchPlan::new(&net).unwrap();
            prop_assert_eq!(plan.precision(), Precision::ExactF32);
            prop_assert_eq!(plan.form(), BatchForm::Dense);
            let states = starts(&case, encoding, 3);
            check_all(&plan, &net, &states, case.seed)?;
            let (w, bias, enc) = net.clone().into_parts();
            let net32 = Network::with_bias(w.to_f32(), bias, enc).unwrap();
            let plan32 = BatchPlan::new(&net32).unwrap();
            prop_assert_eq!(plan32.precision(), Precision::ExactF32);
            check_all(&plan32, &net32, &states, case.seed)?;
        }
    }

    /// Real weights: the certified `f64` kernel gives the plain dynamics' results.
    #[test]
    fn certified_dense_kernel_equals_dynamics(case in real_case()) {
        for encoding in ENCODINGS {
            let net = case.network(encoding);
            let plan = BatchPlan::new(&net).unwrap();
            prop_assert_eq!(plan.precision(), Precision::Certified);
            check_all(&plan, &net, &starts(&case, encoding, 3), case.seed)?;
        }
    }

    /// Weights that are multiples of 0.1: mathematically zero fields come out as rounding
    /// residues whose sign depends on the order of summation, so the certified kernel must
    /// hand those states to the plain dynamics.
    #[test]
    fn certified_kernel_hands_near_ties_to_the_reference(
        case in integer_case(),
    ) {
        for encoding in ENCODINGS {
            let mut tenth = case.clone();
            for v in tenth.upper.iter_mut().chain(tenth.bias.iter_mut()).chain(tenth.diag.iter_mut()) {
                *v *= 0.1;
            }
            let net = tenth.network(encoding);
            let plan = BatchPlan::new(&net).unwrap();
            check_all(&plan, &net, &starts(&tenth, encoding, 3), tenth.seed)?;
        }
    }

    /// Hebbian couplings kept in pattern space equal the dense Hebbian matrix, exactly.
    #[test]
    fn low_rank_hebbian_equals_dense(
        n in 1usize..24,
        m in 1usize..7,
        bias in prop::collection::vec(-3i32..=3, 24),
        seed in any::<u64>(),
    ) {
        let x = pattern_matrix(n, m, seed);
        let bias: Vec<f64> = bias[..n].iter().map(|&b| f64::from(b)).collect();
        for encoding in ENCODINGS {
            let lr = LowRank::outer_products(x.clone(), 1.0, DiagonalPolicy::Zero).unwrap();
            let low = Network::with_bias(lr, bias.clone(), encoding).unwrap();
            let dense = Network::with_bias(
                Dense::with_zero_diagonal(&x * x.transpose()).unwrap(),
                bias.clone(),
                encoding,
            ).unwrap();
            let plan = BatchPlan::new(&low).unwrap();
            prop_assert_eq!(plan.precision(), Precision::ExactF32);
            prop_assert_eq!(plan.form(), BatchForm::LowRank);
            let case = Case {
                n, upper: vec![], diag: vec![], bias: vec![],
                bits: (0..n).map(|i| x[(i, 0)] > 0.0 && i % 3 != 0).collect(),
                self_coupling: false, seed,
            };
            let states = starts(&case, encoding, 4);
            check_all(&plan, &dense, &states, seed)?;
            // Self-couplings kept, scaled by a quarter: still exact.
            let kept = Network::new(
                LowRank::outer_products(x.clone(), 0.25, DiagonalPolicy::SelfCoupling).unwrap(),
                encoding,
            );
            let plan = BatchPlan::new(&kept).unwrap();
            prop_assert_eq!(plan.precision(), Precision::ExactF32);
            check_all(&plan, &kept, &states, seed)?;
        }
    }

    /// A general coefficient matrix (the projection rule's `(XᵀX)⁺`, and an arbitrary
    /// symmetric one): the certified low-rank kernel equals the plain dynamics on the same
    /// low-rank couplings.
    #[test]
    fn certified_low_rank_equals_dynamics(
        n in 1usize..20,
        m in 1usize..6,
        a in prop::collection::vec(-1.0..1.0f64, 36),
        seed in any::<u64>(),
    ) {
        let x = pattern_matrix(n, m, seed);
        let gram = x.transpose() * &x;
        let pinv = gram.pseudo_inverse(1e-9).unwrap();
        // nalgebra's pseudo-inverse of a singular Gram matrix is not always symmetric.
        let pinv = (&pinv + pinv.transpose()) * 0.5;
        let mut sym = DMatrix::from_fn(m, m, |u, v| a[u * 6 + v]);
        sym = (&sym + sym.transpose()) * 0.5;
        let case = Case {
            n, upper: vec![], diag: vec![], bias: vec![],
            bits: (0..n).map(|i| x[(i, 0)] > 0.0 && i % 4 != 1).collect(),
            self_coupling: false, seed,
        };
        for encoding in ENCODINGS {
            for (coef, policy) in [(pinv.clone(), DiagonalPolicy::SelfCoupling), (sym.clone(), DiagonalPolicy::Zero)] {
                let net = Network::new(LowRank::new(x.clone(), coef, policy).unwrap(), encoding);
                let plan = BatchPlan::new(&net).unwrap();
                prop_assert_eq!(plan.precision(), Precision::Certified);
                check_all(&plan, &net, &starts(&case, encoding, 3), seed)?;
            }
        }
    }

    /// Sixteen or more integer patterns with real coefficients (the projection rule's
    /// `(XᵀX)⁺`, and an arbitrary symmetric matrix) and a real bias: asynchronous schedules run
    /// on dense `f32` columns with incrementally kept fields, and still give the plain dynamics'
    /// results on the same low-rank couplings.
    #[test]
    fn certified_low_rank_columns_equal_dynamics(
        n in 1usize..40,
        m in 16usize..20,
        a in prop::collection::vec(-1.0..1.0f64, 400),
        bias in prop::collection::vec(-2.0..2.0f64, 40),
        seed in any::<u64>(),
    ) {
        let x = pattern_matrix(n, m, seed);
        let gram = x.transpose() * &x;
        let pinv = gram.pseudo_inverse(1e-9).unwrap();
        let pinv = (&pinv + pinv.transpose()) * 0.5;
        let mut sym = DMatrix::from_fn(m, m, |u, v| a[u * 20 + v] / m as f64);
        sym = (&sym + sym.transpose()) * 0.5;
        let bias = bias[..n].to_vec();
        let case = Case {
            n, upper: vec![], diag: vec![], bias: vec![],
            bits: (0..n).map(|i| x[(i, 1)] > 0.0 && i % 5 != 2).collect(),
            self_coupling: false, seed,
        };
        for encoding in ENCODINGS {
            for (coef, policy, b) in [
                (pinv.clone(), DiagonalPolicy::SelfCoupling, vec![0.0; n]),
                (sym.clone(), DiagonalPolicy::Zero, bias.clone()),
            ] {
                let lr = LowRank::new(x.clone(), coef, policy).unwrap();
                let net = Network::with_bias(lr, b, encoding).unwrap();
                let plan = BatchPlan::new(&net).unwrap();
                prop_assert_eq!(plan.precision(), Precision::Certified);
                check_all(&plan, &net, &starts(&case, encoding, 3), seed)?;
            }
        }
    }
}

/// Every asynchronous schedule and tie rule, with room to converge (`100 N` steps).
fn check_asynchronous<C: Couplings, D: Couplings>(
    plan: &BatchPlan<'_, C>,
    reference: &Network<D>,
    states: &[State],
    seed: u64,
) -> Result<(), TestCaseError> {
    for schedule in [
        Schedule::RandomSweep,
        Schedule::RandomNeuron,
        Schedule::FixedOrder,
    ] {
        for tie in TIES {
            let config = RunConfig {
                schedule,
                max_steps: 100 * reference.n() as u64,
            };
            check_same(plan, reference, states, tie, &config, seed)?;
        }
    }
    Ok(())
}

/// `probes` probes of the patterns (columns of `x`, cycling), each with a tenth of its
/// components flipped at random (repeats allowed), as signs.
fn noisy_signs(x: &DMatrix<f64>, probes: usize, seed: u64) -> Vec<Vec<i8>> {
    let (n, m) = x.shape();
    let mut rng = rng_from_seed(seed);
    (0..probes)
        .map(|k| {
            let mut signs: Vec<i8> = (0..n)
                .map(|i| if x[(i, k % m)] > 0.0 { 1 } else { -1 })
                .collect();
            for _ in 0..n / 10 {
                let i = rand::RngExt::random_range(&mut rng, 0..n);
                signs[i] = -signs[i];
            }
            signs
        })
        .collect()
}

/// Two scoped threads, one taking the even tasks and one the odd ones.
struct TwoThreads;

impl Executor for TwoThreads {
    fn for_each(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
        std::thread::scope(|scope| {
            scope.spawn(|| (0..count).step_by(2).for_each(task));
            (1..count).step_by(2).for_each(task);
        });
    }
}

/// Projection couplings of 24 random patterns on 300 neurons, 24 probes with a tenth of their
/// bits flipped (the usual recall workload, where the column path of asynchronous schedules
/// decides almost every neuron on its `f32` fields): same results as the plain dynamics,
/// with the columns built by the first run or beforehand on two threads.
#[test]
fn projection_columns_equal_dynamics_on_noisy_probes() {
    let (n, m) = (300, 24);
    let x = pattern_matrix(n, m, 11);
    let gram = x.transpose() * &x;
    let a = gram.try_inverse().unwrap();
    let a = (&a + a.transpose()) * 0.5;
    for policy in [DiagonalPolicy::SelfCoupling, DiagonalPolicy::Zero] {
        let net = Network::new(
            LowRank::new(x.clone(), a.clone(), policy).unwrap(),
            Encoding::Bipolar,
        );
        let plan = BatchPlan::new(&net).unwrap();
        if policy == DiagonalPolicy::Zero {
            plan.prepare(Schedule::RandomSweep, 24, &TwoThreads);
        }
        let states: Vec<State> = noisy_signs(&x, 24, 5)
            .iter()
            .map(|signs| State::from_signs(Encoding::Bipolar, signs))
            .collect();
        check_asynchronous(&plan, &net, &states, 3).unwrap();
    }
}

/// Hebbian couplings of 24 random patterns on 300 neurons (exact, and shaped for the dense
/// column path of asynchronous schedules), with and without self-couplings, a scale, a bias
/// and both encodings, 24 noisy probes: same results as the plain dynamics on the same
/// couplings and as the dense matrix (the columns built beforehand on two threads for the
/// bipolar encoding).
#[test]
fn hebbian_columns_equal_dynamics_on_noisy_probes() {
    let (n, m) = (300, 24);
    let x = pattern_matrix(n, m, 12);
    let signs = noisy_signs(&x, 24, 6);
    let bias: Vec<f64> = (0..n).map(|i| f64::from((i % 5) as i32 - 2)).collect();
    for (scale, policy, with_bias) in [
        (1.0, DiagonalPolicy::Zero, false),
        (0.25, DiagonalPolicy::SelfCoupling, true),
        (1.0, DiagonalPolicy::SelfCoupling, false),
    ] {
        for encoding in ENCODINGS {
            let lr = LowRank::outer_products(x.clone(), scale, policy).unwrap();
            let b = if with_bias {
                bias.clone()
            } else {
                vec![0.0; n]
            };
            let net = Network::with_bias(lr, b.clone(), encoding).unwrap();
            let plan = BatchPlan::new(&net).unwrap();
            assert_eq!(plan.precision(), Precision::ExactF32);
            if encoding == Encoding::Bipolar {
                plan.prepare(Schedule::FixedOrder, 24, &TwoThreads);
            }
            let states: Vec<State> = signs
                .iter()
                .map(|s| State::from_signs(encoding, s))
                .collect();
            let mut w = &x * x.transpose() * scale;
            if policy == DiagonalPolicy::Zero {
                w.fill_diagonal(0.0);
            }
            let dense = Network::with_bias(Dense::new(w, policy).unwrap(), b, encoding).unwrap();
            check_asynchronous(&plan, &net, &states, 4).unwrap();
            check_asynchronous(&plan, &dense, &states, 4).unwrap();
        }
    }
}

#[test]
fn couplings_without_a_view_run_the_reference() {
    let mut b = hopfield_core::SparseBuilder::new(4);
    b.add(0, 1, 1.0).unwrap();
    b.add(2, 3, -1.0).unwrap();
    let net = Network::new(b.build(DiagonalPolicy::Zero).unwrap(), Encoding::Bipolar);
    let _: &Sparse = net.couplings();
    let plan = BatchPlan::new(&net).unwrap();
    assert_eq!(plan.precision(), Precision::Reference);
    let states = vec![State::from_signs(Encoding::Bipolar, &[1, -1, 1, 1]); 2];
    for schedule in SCHEDULES {
        let config = RunConfig {
            schedule,
            max_steps: 100,
        };
        check_same(&plan, &net, &states, TieRule::High, &config, 9).unwrap();
    }
}

#[test]
fn batch_checks_its_inputs() {
    let w = Dense::with_zero_diagonal(DMatrix::from_element(3, 3, 1.0)).unwrap();
    let net = Network::new(w, Encoding::Bipolar);
    let plan = BatchPlan::new(&net).unwrap();
    let config = RunConfig {
        schedule: Schedule::Synchronous,
        max_steps: 10,
    };
    let mut states = vec![State::low(Encoding::Bipolar, 3)];
    let mut no_rngs: Vec<HopfieldRng> = vec![];
    assert!(
        plan.run(&mut states, &mut no_rngs, TieRule::Keep, &config)
            .is_err()
    );
    let mut wrong = vec![State::low(Encoding::Binary, 3)];
    let mut rngs = vec![rng_from_seed(1)];
    assert!(
        plan.run(&mut wrong, &mut rngs, TieRule::Keep, &config)
            .is_err()
    );
    let mut short = vec![State::low(Encoding::Bipolar, 2)];
    assert!(
        plan.run(&mut short, &mut rngs, TieRule::Keep, &config)
            .is_err()
    );
    let mut empty: Vec<State> = vec![];
    assert!(
        plan.run(&mut empty, &mut no_rngs, TieRule::Keep, &config)
            .unwrap()
            .is_empty()
    );
}
