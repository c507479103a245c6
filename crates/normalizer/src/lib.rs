/*!
Parses each scanner's output into scangate findings and writes SARIF 2.1.0.
*/
