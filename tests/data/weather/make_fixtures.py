"""Make the stored PVGIS TMY fixture (run from the repo root; output is committed).

The fixture is NOT a real PVGIS download (there is no internet here): it is
gridplan's synthetic Dongguan year, written in the JSON layout that the PVGIS
5.2 TMY API returns (UTC time stamps "YYYYMMDD:HHMM", months from different
years, fields T2m, RH, G(h), Gb(n), Gd(h), IR(h), WS10m, WD10m, SP), so the
readers and the offline fetch test exercise pvlib's real PVGIS parser.
"""

import gzip
import json
from pathlib import Path

import numpy as np

from gridplan.weather.profiles import city_weather

HERE = Path(__file__).parent
# PVGIS picks each typical month from a different year.
YEARS = [2007, 2013, 2016, 2009, 2018, 2011, 2014, 2019, 2010, 2015, 2012, 2017]


def main() -> None:
    df = city_weather("dongguan")
    utc = df.index.tz_convert("UTC")
    rows = []
    for t, (ghi, dni, dhi, temp, wind) in zip(utc, df[["ghi", "dni", "dhi", "temp_air", "wind_speed"]].to_numpy()):
        # local Jan 1 00:00-07:59 is Dec 31 of the year before in UTC; keep it in
        # the December of the TMY, like PVGIS does (UTC months are complete).
        year = YEARS[t.month - 1]
        rows.append({
            "time(UTC)": f"{year}{t.month:02d}{t.day:02d}:{t.hour:02d}00",
            "T2m": round(float(temp), 2), "RH": 75.0, "G(h)": round(float(ghi), 1),
            "Gb(n)": round(float(dni), 1), "Gd(h)": round(float(dhi), 1), "IR(h)": 380.0,
            "WS10m": round(float(wind), 2), "WD10m": 90.0, "SP": 101000.0,
        })
    # PVGIS lists the UTC year in order: January ... December.
    rows.sort(key=lambda r: (r["time(UTC)"][4:8], r["time(UTC)"][9:]))
    src = {
        "inputs": {"location": {"latitude": 23.02, "longitude": 113.75, "elevation": 10.0},
                   "meteo_data": {"radiation_db": "PVGIS-ERA5", "meteo_db": "ERA5", "year_min": 2005,
                                  "year_max": 2020, "use_horizon": True, "horizon_db": "DEM-calculated"}},
        "outputs": {"months_selected": [{"month": m + 1, "year": y, "T2m": "", "RH": ""}
                                        for m, y in enumerate(YEARS)],
                    "tmy_hourly": rows},
        "meta": {"inputs": {"location": {"description": "Selected location"}},
                 "outputs": {"tmy_hourly": {"type": "time series",
                                            "description": "FIXTURE: gridplan synthetic Dongguan year in PVGIS layout"}}},
    }
    with gzip.open(HERE / "pvgis_tmy_dongguan.json.gz", "wt", encoding="utf-8") as fh:
        json.dump(src, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
