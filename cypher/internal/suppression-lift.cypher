// name: suppression-lift
// Takes every entry of one subject off the suppression list; how many.
// params:
//   subject: string              customer_ref
// mode: write
// audience: internal

MATCH (s:Suppression {subject: $subject}) DELETE s RETURN count(*) AS n
