package org.bnlab.lab.report;

/**
 * One claim of the BN paper and what the lab measured for it.
 *
 * <pre>{@code
 * new Claim("Faster training", "BN reaches 95% test accuracy in 2,100 steps, no BN in 9,800 (4.7x)",
 *           Verdict.SUPPORTED, "fewer steps on every seed")
 * }</pre>
 *
 * @param claim    the claim, as a reader of the paper would state it
 * @param measured the measured figure, as text with its numbers
 * @param verdict  whether the measurement supports the claim
 * @param reason   one line saying why that verdict
 */
public record Claim(String claim, String measured, Verdict verdict, String reason) {
    public Claim {
        Texts.requireText(claim, "claim");
        Texts.requireText(measured, "measured");
        java.util.Objects.requireNonNull(verdict, "verdict");
        Texts.requireText(reason, "reason");
    }
}
