import SoudanDomain
import Testing

@testable import SoudanService

@Suite struct DaemonConfigTests {
    @Test func anEmptyFileMeansTheDefaultsAndTheDemoOffice() throws {
        let config = try DaemonConfig.parse(toml: "")
        #expect(config == DaemonConfig())
        #expect(config.office.noShowThreshold == 2)
        #expect(config.limits.maxFrame == 1_048_576)
        #expect(config.effectiveCounselors == DemoOffice.counselors)
    }

    @Test func readsEveryKeyOfTheContractExample() throws {
        let config = try DaemonConfig.parse(
            toml: """
                [office]
                name = "テスト"
                hours = { mon = [["09:00","18:00"]], tue = [["10:00","17:00"]] }
                [rules]
                no_show_threshold = 3
                open_request_limit = 1
                auto_schedule_on_release = false
                [limits]
                max_frame = 4096
                max_connections = 10
                max_connections_per_uid = 5
                max_in_flight = 8
                idle_timeout_ms = 500
                [retention]
                days = 30
                [[counselors]]
                counselor_id = "x1"
                name = "相談員"
                meeting = { join_url = "https://zoom.us/j/1", meeting_id = "1", passcode = "p" }
                weekly = { mon = [["10:00","12:00"]] }
                """)
        #expect(config.office.name == "テスト")
        #expect(config.office.noShowThreshold == 3)
        #expect(config.office.openRequestLimit == 1)
        #expect(!config.office.autoScheduleOnRelease)
        #expect(config.office.retentionDays == 30)
        #expect(config.limits.maxFrame == 4096)
        #expect(config.limits.maxInFlight == 8)
        #expect(config.limits.idleTimeoutMs == 500)
        #expect(config.counselors?.first?.counselorID == "x1")
        #expect(config.counselors?.first?.weekly.days[1] == [.init(start: 600, end: 720)])
    }

    @Test(arguments: [
        ("[office]\nnmae = \"x\"", "office.nmae"),
        ("[rules]\nno_show_threshold = \"2\"", "rules.no_show_threshold"),
        ("[rules]\nopen_request_limit = 0", "rules.open_request_limit"),
        ("[limits]\nmax_frame = -1", "limits.max_frame"),
        ("[surprise]\nx = 1", "surprise"),
        ("[office]\nhours = { mon = [[\"12:00\",\"10:00\"]] }", "office.hours.mon[0]"),
        ("[office]\nhours = { mon = [[\"10:15\",\"11:00\"]] }", "office.hours.mon[0]"),
        ("[office]\nhours = { mon = [[\"10:00\",\"25:00\"]] }", "office.hours.mon[0][1]"),
        (
            """
            [[counselors]]
            counselor_id = "c9"
            name = "n"
            meeting = { join_url = "https://zoom.us/j/1", meeting_id = "1", passcode = "p" }
            weekly = { mon = [["09:00","12:00"]] }
            """, "counselors[0].weekly.mon"
        ),
        (
            """
            [[counselors]]
            counselor_id = "c9"
            name = "n"
            meeting = { join_url = "http://insecure", meeting_id = "1", passcode = "p" }
            """, "counselors[0].meeting.join_url"
        ),
    ])
    func refusesABadFileNamingTheKey(toml: String, key: String) {
        do {
            _ = try DaemonConfig.parse(toml: toml)
            Issue.record("accepted a bad config")
        } catch {
            #expect(error.key == key, "\(error)")
        }
    }

    @Test func refusesWhatIsNotTOML() {
        #expect(throws: DaemonConfig.Invalid.self) { try DaemonConfig.parse(toml: "[office\nname = ") }
    }
}
