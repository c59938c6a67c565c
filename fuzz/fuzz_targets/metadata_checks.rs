//! What every plan read from a provider's metadata must hold (shared by the metadata targets):
//! valid, its primary never a secondary, the route tables distinct, and the instance renders
//! for every family without a panic.

pub fn check(plans: &[eniplan::EniPlan]) {
    let mut tables = Vec::new();
    let mut valid = Vec::new();
    for plan in plans {
        assert!(!plan.secondaries.contains(plan.primary.as_ref().expect("a primary")));
        tables.extend(plan.route_table);
        valid.push(plan.validate().expect("every plan from metadata is valid"));
    }
    let count = tables.len();
    tables.sort_unstable();
    tables.dedup();
    assert_eq!(tables.len(), count);
    for target in eniplan::Target::families() {
        let _ = eniplan::render_instance(&valid, target);
    }
}
