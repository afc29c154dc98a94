//! oss2's date helpers: vectors from oss2's docstrings and tests, round trips, and strict
//! rejection of malformed strings.

use osskit_proto::date::*;

#[test]
fn oss2_docstring_vectors() {
    assert_eq!(http_date(1_449_313_829), "Sat, 05 Dec 2015 11:10:29 GMT");
    assert_eq!(
        http_to_unixtime("Sat, 05 Dec 2015 11:10:29 GMT"),
        Ok(1_449_313_829)
    );
    assert_eq!(
        http_to_unixtime("Fri, 11 Dec 2015 13:01:41 GMT"),
        Ok(1_449_838_901)
    );
    assert_eq!(
        http_to_unixtime("Sat, 06 Jan 2018 00:00:00 GMT"),
        Ok(1_515_196_800)
    );
    assert_eq!(http_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
    assert_eq!(
        iso8601_to_unixtime("2015-12-05T00:00:00.000Z"),
        Ok(1_449_273_600)
    );
    assert_eq!(v4_timestamp(1_700_000_000), "20231114T221320Z");
    assert_eq!(parse_v4_timestamp("20231114T221320Z"), Ok(1_700_000_000));
}

#[test]
fn oss2_iso8601_table() {
    let cases = [
        ("2018-01-06T00:00:00.000Z", 1_515_196_800),
        ("2018-02-09T01:01:01.000Z", 1_518_138_061),
        ("2018-03-11T10:10:10.000Z", 1_520_763_010),
        ("2018-04-23T21:21:21.000Z", 1_524_518_481),
        ("2018-05-31T23:59:59.000Z", 1_527_811_199),
        ("2018-06-20T20:31:30.000Z", 1_529_526_690),
        ("2018-07-10T11:11:11.000Z", 1_531_221_071),
        ("1979-08-21T09:09:09.000Z", 304_074_549),
        ("2100-09-29T10:21:32.000Z", 4_125_896_492),
        ("1999-10-01T08:00:00.000Z", 938_764_800),
        ("2009-11-11T00:00:00.000Z", 1_257_897_600),
        ("2012-12-12T12:12:12.000Z", 1_355_314_332),
    ];
    for (s, t) in cases {
        assert_eq!(iso8601_to_unixtime(s), Ok(t), "{s}");
        assert_eq!(unixtime_to_iso8601(t), s);
    }
}

#[test]
fn round_trips_every_hour_over_years_and_leap_days() {
    // Hourly across 2015..2025 plus a prime stride to hit all minutes and seconds.
    let mut t = 1_420_070_400; // 2015-01-01
    while t < 1_735_689_600 {
        assert_eq!(http_to_unixtime(&http_date(t)), Ok(t));
        assert_eq!(iso8601_to_unixtime(&unixtime_to_iso8601(t)), Ok(t));
        assert_eq!(parse_v4_timestamp(&v4_timestamp(t)), Ok(t));
        t += 3607;
    }
    assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_eq!(
        http_to_unixtime("Tue, 29 Feb 2000 00:00:00 GMT"),
        Ok(951_782_400)
    );
    assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
    assert_eq!(unixtime_to_iso8601(-86_400), "1969-12-31T00:00:00.000Z");
    assert_eq!(iso8601_to_unixtime("1969-12-31T00:00:00.000Z"), Ok(-86_400));
}

#[test]
fn weekday_is_not_checked_against_the_date_as_in_oss2() {
    // oss2 validates the weekday name only; 05 Dec 2015 was a Saturday.
    assert_eq!(
        http_to_unixtime("Mon, 05 Dec 2015 11:10:29 GMT"),
        Ok(1_449_313_829)
    );
}

#[test]
fn dates_and_iso8601() {
    let d = iso8601_to_date("2015-12-05T23:59:59.000Z").unwrap();
    assert_eq!(
        d,
        Date {
            year: 2015,
            month: 12,
            day: 5
        }
    );
    assert_eq!(date_to_iso8601(d), "2015-12-05T00:00:00.000Z");
    assert_eq!(Date::new(2023, 2, 29), None);
    assert_eq!(
        Date::new(2024, 2, 29),
        Some(Date {
            year: 2024,
            month: 2,
            day: 29
        })
    );
    assert_eq!(Date::new(2024, 13, 1), None);
    assert_eq!(Date::new(0, 1, 1), None);
    assert_eq!(
        Date {
            year: 1970,
            month: 1,
            day: 2
        }
        .days_since_epoch(),
        1
    );
    assert_eq!(
        Date::from_days_since_epoch(19_675),
        Date {
            year: 2023,
            month: 11,
            day: 14
        }
    );
}

#[test]
fn invalid_http_dates_are_rejected() {
    let bad = [
        "",
        "Sat",
        "Sat, 06 ",
        "Sat, 06 Jan",
        "Sat, 06 Jan 20",
        "Sat, 06 Jan 2018 ",
        "Sat, 06 Jan 2018 00",
        "Sat, 06 Jan 2018 00:",
        "Sat, 06 Jan 2018 00:00:",
        "Sat, 06 Jan 2018 00:00:00",
        "Sat, 06 Jan 2018 00:00:00 G",
        "Unk, 06 Jan 2018 00:00:00 GMT",
        "Friday, 12 Dec 2012 12:12:12 GMT",
        "We, 12 Dec 2012 12:12:12 GMT",
        "Wed 12 Dec 2012 12:12:12 GMT",
        "wed, 12 Dec 2012 12:12:12 GMT",
        "Wed, 32 Dec 2012 12:12:12 GMT",
        "Wed, 00 Dec 2012 12:12:12 GMT",
        "Wed, 31 December 2012 12:12:12 GMT",
        "Wed, 31 De 2012 12:12:12 GMT",
        "Wed, 31 dec 2012 12:12:12 GMT",
        "Wed, 31 2012 12:12:12 GMT",
        "Wed, 12 Dec 12:12:12 GMT",
        "Wed, 31 Dec 2012 24:12:12 GMT",
        "Wed, 31 Dec 2012 23:60:12 GMT",
        "Wed, 31 Dec 2012 23:10:60 GMT",
        "Wed, 31 Dec 2012 2:10:60 GMT",
        "Wed, 31 Dec 2012 :10:60 GMT",
        "Wed, 31 Dec 2012 02:1:60 GMT",
        "Wed, 31 Dec 2012 02:01:0 GMT",
        "Wed, 31 Dec 2012 02:01:01 CST",
        "Wed, 31 Dec 2012 02:01:01 UTC",
        "Wed, 31 Dec 2012 02:01:01 GMTA",
        "Wed, 31 Dec 2012 02:01:01 GMT ABC",
        "Wed, 31 Dec 2012 02:01:01 GMT\n",
        "Wed, 31 Dec 2012 02:01:01 +0000",
        "X  Wed, 31 Dec 2012 02:01:01 GMT",
        "  Wed, 31 Dec 2012 02:01:01 GMT",
        "Sat, 5 Dec 2015 11:10:29 GMT",
        "Sat,05 Dec 2015 11:10:29 GMT",
        "Sat, 05  Dec 2015 11:10:29 GMT",
        "Thu, 29 Feb 2018 00:00:00 GMT",
        "Thu, 31 Apr 2018 00:00:00 GMT",
        "Thu, 01 Jan 0000 00:00:00 GMT",
        "Thu, 01 Jan 10000 00:00:00 GMT",
        "Thu, 01 Jan -2018 00:00:00 GMT",
        "Sat, ０５ Dec 2015 11:10:29 GMT",
    ];
    for s in bad {
        let err = http_to_unixtime(s).expect_err(s);
        assert_eq!(err.input, s);
        assert_eq!(err.format, "HTTP date");
        assert_eq!(
            err.to_string(),
            format!("{s:?} is not in valid HTTP date format")
        );
    }
}

#[test]
fn invalid_iso8601_strings_are_rejected() {
    let bad = [
        "",
        "2012",
        "2012-",
        "2012-12",
        "2012-12-",
        "2012-12-12",
        "2012-12-12T",
        "2012-12-12T12",
        "2012-12-12T12:",
        "2012-12-12T12:1",
        "2012-12-12T12:12:",
        "2012-12-12T12:12:12",
        "2012-12-12T12:12:12.",
        "2012-12-12T12:12:12.0",
        "2012-12-12T12:12:12.00",
        "2012-12-12T12:12:12.000",
        "2012-12-12T12:12:12.000X",
        "2012-12-12T12:12:12Z",
        "2012-12-12T12:12:12+00:00",
        "2012-12-12T12:12:12.000+00:00",
        "-12-12T12:12:12.000Z",
        "2012-13-12T12:12:12.000Z",
        "2012-00-12T12:12:12.000Z",
        "2012-1-12T12:12:12.000Z",
        "2012-12-32T12:12:12.000Z",
        "2012-02-30T12:12:12.000Z",
        "2012-12-12X12:12:12.000Z",
        "2012-12-12t12:12:12.000Z",
        "2012-12-12 12:12:12.000Z",
        "2012-12-12T:12:12.000Z",
        "2012-12-12T0:12:12.000Z",
        "2012-12-12T60:12:12.000Z",
        "2012-12-12T24:00:00.000Z",
        "2012-12-12T12::12.000Z",
        "2012-12-12T12:1:12.000Z",
        "2012-12-12T12:60:12.000Z",
        "2012-12-12T12:12:1.000Z",
        "2012-12-12T12:12:60.000Z",
        "2012-12-12T12:12:12.100Z",
        "2012-12-12T12:12:12.010Z",
        "2012-12-12T12:12:12.001Z",
        "2012-12-12T12:12:12.000z",
        "2012-12-12T12:12:12.000ZZ",
        "2012-12-12T12:12:12.000Z X",
        "2012-12-12T12:12:00.000Z ",
        " 2012-12-12T12:12:00.000Z",
        "X 2012-12-12T12:12:00.000Z",
    ];
    for s in bad {
        let err = iso8601_to_unixtime(s).expect_err(s);
        assert_eq!(err.format, "ISO8601");
        assert_eq!(
            err.to_string(),
            format!("{s:?} is not in valid ISO8601 format")
        );
        assert!(iso8601_to_date(s).is_err(), "{s}");
    }
}

#[test]
fn invalid_v4_timestamps_are_rejected() {
    let bad = [
        "",
        "20231114T221320",
        "20231114221320Z",
        "2023-11-14T22:13:20Z",
        "20231314T221320Z",
        "20230229T000000Z",
        "20231114T241320Z",
        "20231114T226020Z",
        "20231114T221360Z",
        "20231114T221320ZZ",
        "20231114t221320Z",
        " 20231114T221320Z",
    ];
    for s in bad {
        let err = parse_v4_timestamp(s).expect_err(s);
        assert_eq!(err.format, "V4 timestamp");
    }
}
