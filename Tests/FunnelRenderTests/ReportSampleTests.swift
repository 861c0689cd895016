import Testing
@testable import FunnelRender

/// Writes the sample quarterly review to the paths in FUNNEL_REPORT_SAMPLE_HTML and
/// FUNNEL_REPORT_SAMPLE_MD when they are set, to look at with Scripts/render-report-png;
/// otherwise does nothing.
@Suite struct ReportSampleTests {
    @Test func writeSampleWhenAsked() {
        if let path = ReportFixtures.environment("FUNNEL_REPORT_SAMPLE_HTML") {
            #expect(ReportFixtures.write(ReportRenderer.html(ReportFixtures.quarterlyReview), to: path))
        }
        if let path = ReportFixtures.environment("FUNNEL_REPORT_SAMPLE_MD") {
            #expect(ReportFixtures.write(ReportRenderer.markdown(ReportFixtures.quarterlyReview), to: path))
        }
    }
}
