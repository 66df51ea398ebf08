//! Plaintext models reach sensible accuracy on the shipped data sets.

use ckks_ml::activation::Activation;
use ckks_ml::data::{Dataset, MissingPolicy, sets, split};
use ckks_ml::metrics;
use ckks_ml::plain::{
    LinearOptions, LinearRegression, LogisticOptions, LogisticRegression, Model, Network,
    NetworkOptions, Optimizer, SoftmaxRegression, TrainOptions,
};

fn labels_of(idx: &[usize], labels: &[usize]) -> Vec<usize> {
    idx.iter().map(|&i| labels[i]).collect()
}

type Parts = (Dataset, Dataset, Vec<bool>, Vec<bool>);

fn heart_parts() -> ckks_ml::Result<Parts> {
    let d = sets::heart_cleveland(MissingPolicy::DropRow)?;
    let labels = d.class_labels()?;
    let s = split::stratified(&labels, 0.2, 2024)?;
    let yb = |idx: &[usize]| idx.iter().map(|&i| labels[i] == 1).collect::<Vec<bool>>();
    Ok((
        d.subset(&s.train),
        d.subset(&s.test),
        yb(&s.train),
        yb(&s.test),
    ))
}

#[test]
fn heart_logistic_regression_gd_and_nesterov() {
    let (train, test, y_train, y_test) = heart_parts().unwrap();
    for optimizer in [Optimizer::GradientDescent, Optimizer::Nesterov] {
        let mut opts = LogisticOptions::default();
        opts.train.optimizer = optimizer;
        if optimizer == Optimizer::GradientDescent {
            opts.train.iterations = 1000;
        }
        let m = LogisticRegression::fit(train.x.view(), &y_train, &opts).unwrap();
        let acc = metrics::accuracy(&m.predict(test.x.view()).unwrap(), &y_test).unwrap();
        let auc = metrics::auc(&m.predict_proba(test.x.view()).unwrap(), &y_test).unwrap();
        let poly = m.predict_proba_poly(test.x.view()).unwrap();
        let exact = m.predict_proba(test.x.view()).unwrap();
        let agree = metrics::decision_agreement(&poly, &exact, 0.5).unwrap();
        println!(
            "heart LR {optimizer:?}: test accuracy {acc:.4}, AUC {auc:.4}, poly-vs-exact decisions {agree:.4}, sigmoid interval {:?}, max poly error on it {:.4}",
            m.sigmoid.interval(),
            m.sigmoid.max_error(1000)
        );
        assert!(acc >= 0.80, "{optimizer:?}: {acc}");
        assert!(auc >= 0.85, "{auc}");
        let json = m.to_json().unwrap();
        assert_eq!(LogisticRegression::from_json(&json).unwrap(), m);
        assert!(LinearRegression::from_json(&json).is_err());
    }
}

#[test]
fn heart_network_with_each_activation() {
    let (train, test, y_train, y_test) = heart_parts().unwrap();
    let yl: Vec<usize> = y_train.iter().map(|&b| usize::from(b)).collect();
    let yt: Vec<usize> = y_test.iter().map(|&b| usize::from(b)).collect();
    for activation in [
        Activation::Square,
        Activation::default_poly_sigmoid().unwrap(),
        Activation::HalfLinear,
    ] {
        let opts = NetworkOptions {
            activation: activation.clone(),
            ..Default::default()
        };
        let net = Network::fit(train.x.view(), &yl, 2, &opts).unwrap();
        let acc = metrics::accuracy(&net.predict(test.x.view()).unwrap(), &yt).unwrap();
        println!("heart NN 16 hidden {activation:?}: test accuracy {acc:.4}");
        assert!(acc >= 0.75, "{activation:?}: {acc}");
        let back = Model::from_json(&net.to_json().unwrap()).unwrap();
        assert_eq!(back, Model::Network(net));
    }
}

#[test]
fn iris_softmax_and_network() {
    let d = sets::iris().unwrap();
    let labels = d.class_labels().unwrap();
    let s = split::stratified(&labels, 0.3, 7).unwrap();
    let (train, test) = (d.subset(&s.train), d.subset(&s.test));
    let (yl, yt) = (labels_of(&s.train, &labels), labels_of(&s.test, &labels));
    let m = SoftmaxRegression::fit(train.x.view(), &yl, 3, &TrainOptions::default()).unwrap();
    let acc = metrics::accuracy(&m.predict(test.x.view()).unwrap(), &yt).unwrap();
    println!("iris softmax: test accuracy {acc:.4}");
    assert!(acc >= 0.9);
    assert_eq!(
        SoftmaxRegression::from_json(&m.to_json().unwrap()).unwrap(),
        m
    );
    let net = Network::fit(train.x.view(), &yl, 3, &NetworkOptions::default()).unwrap();
    let acc = metrics::accuracy(&net.predict(test.x.view()).unwrap(), &yt).unwrap();
    println!("iris NN x^2: test accuracy {acc:.4}");
    assert!(acc >= 0.9);
}

#[test]
fn digits_softmax() {
    let d = sets::digits().unwrap();
    let labels = d.class_labels().unwrap();
    let s = split::stratified(&labels, 0.2, 5).unwrap();
    let (train, test) = (d.subset(&s.train), d.subset(&s.test));
    let opts = TrainOptions {
        iterations: 150,
        ..Default::default()
    };
    let m =
        SoftmaxRegression::fit(train.x.view(), &labels_of(&s.train, &labels), 10, &opts).unwrap();
    let acc = metrics::accuracy(
        &m.predict(test.x.view()).unwrap(),
        &labels_of(&s.test, &labels),
    )
    .unwrap();
    println!("digits softmax: test accuracy {acc:.4}");
    assert!(acc >= 0.9);
}

#[test]
fn diabetes_ridge_regression() {
    // Single 20% splits of 442 rows swing r2 by +-0.1; 5-fold cross-validation is steadier
    // (the literature quotes about 0.48 for ordinary least squares).
    let d = sets::diabetes().unwrap();
    let mut r2s = Vec::new();
    for f in split::k_fold(d.n_samples(), 5, 3).unwrap() {
        let (train, test) = (d.subset(&f.train), d.subset(&f.test));
        let m = LinearRegression::fit(train.x.view(), train.y.view(), &LinearOptions::default())
            .unwrap();
        r2s.push(
            metrics::r2(
                test.y.as_slice().unwrap(),
                &m.predict(test.x.view()).unwrap(),
            )
            .unwrap(),
        );
    }
    let r2 = r2s.iter().sum::<f64>() / 5.0;
    println!("diabetes ridge 5-fold: mean test r2 {r2:.4} (folds {r2s:.3?})");
    assert!(r2 >= 0.45, "{r2}");
}

#[test]
fn edin_and_breast_cancer_logistic_regression() {
    for (name, d) in [
        ("edin", sets::edin().unwrap()),
        ("breast_cancer", sets::breast_cancer().unwrap()),
    ] {
        let labels = d.class_labels().unwrap();
        let folds = split::stratified_k_fold(&labels, 5, 1).unwrap();
        let mut accs = Vec::new();
        let mut aucs = Vec::new();
        for f in &folds {
            let yb = |idx: &[usize]| idx.iter().map(|&i| labels[i] == 1).collect::<Vec<bool>>();
            let m = LogisticRegression::fit(
                d.subset(&f.train).x.view(),
                &yb(&f.train),
                &LogisticOptions::default(),
            )
            .unwrap();
            let test = d.subset(&f.test);
            accs.push(metrics::accuracy(&m.predict(test.x.view()).unwrap(), &yb(&f.test)).unwrap());
            aucs.push(
                metrics::auc(&m.predict_proba(test.x.view()).unwrap(), &yb(&f.test)).unwrap(),
            );
        }
        let acc = accs.iter().sum::<f64>() / 5.0;
        let auc = aucs.iter().sum::<f64>() / 5.0;
        println!("{name} LR 5-fold: accuracy {acc:.4}, AUC {auc:.4}");
        assert!(acc >= 0.85 && auc >= 0.9, "{name}");
    }
}
